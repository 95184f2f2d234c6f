"""Random playouts per second: the new rules against the 2019 baseline and others.

    python bench/bench_rules.py [--seconds S] [--games tic-tac-toe,quarto] [--json out.json]

For every game it measures whole random games per second played:

- ``fast``: through the fast internal API, ``g.reset(); while not g.done:
  g.play(choice(g.legal_actions()))``. For quarto the action is built from a
  random empty position and a random available piece, which is the same
  uniform choice over the valid actions (every position/piece pair is one
  action) without walking 240 of them.
- ``environment``: through ``Environment.reset/step`` (numpy arrays in and out),
  the action drawn from the ``valid_actions`` array.
- ``baseline``: ``bench/original_rules.py``, the 2019 numpy-style rules, the
  same way. Every ratio is against this baseline measured in the same run.
- PettingZoo (``tictactoe_v3``, ``connect_four_v3``) and OpenSpiel
  (``tic_tac_toe``, ``connect_four``) when they are importable.

All use ``random.Random(seed).choice``; no timing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import environments  # noqa: E402
from bench import original_rules  # noqa: E402

#: Games per second of the original arena's rules as published in 2019, on
#: another machine: printed beside this run's baseline to show it is faithful.
ORIGINAL_PUBLISHED = {"tic-tac-toe": 11_000, "connect-four": 850, "quarto": 6_000}
PETTINGZOO = {"tic-tac-toe": "tictactoe_v3", "connect-four": "connect_four_v3"}
OPENSPIEL = {"tic-tac-toe": "tic_tac_toe", "connect-four": "connect_four"}

#: A runner plays `n` random games and returns nothing.
Runner = Callable[[int], None]


def fast_runner(slug: str, rng: random.Random) -> Runner:
    game = environments.new_game(slug)
    choice = rng.choice
    if slug == "quarto":

        def run(n: int) -> None:
            g = game
            for _ in range(n):
                g.reset()
                while not g.done:
                    g.play(16 * choice(g.empty_positions()) + choice(g.available_pieces()))

        return run

    def run(n: int) -> None:
        g = game
        for _ in range(n):
            g.reset()
            while not g.done:
                g.play(choice(g.legal_actions()))

    return run


class _NoRulesQuarto:
    """The quarto fast-API loop's own cost: the same calls, no rules at all.

    Its getters return cached tuples like Quarto's and play() only counts to 12
    moves (a random quarto game lasts 11.7 on average), so it measures the
    ceiling any implementation of play() can reach in this loop.
    """

    __slots__ = ("done", "moves")
    _POSITIONS = tuple(range(8))
    _PIECES = tuple(range(7))

    def reset(self) -> None:
        self.done = False
        self.moves = 0

    def empty_positions(self) -> tuple[int, ...]:
        return self._POSITIONS

    def available_pieces(self) -> tuple[int, ...]:
        return self._PIECES

    def play(self, action: int) -> float:
        self.moves += 1
        if self.moves == 12:
            self.done = True
        return 0.0


def harness_runner(rng: random.Random) -> Runner:
    game = _NoRulesQuarto()
    choice = rng.choice

    def run(n: int) -> None:
        g = game
        for _ in range(n):
            g.reset()
            while not g.done:
                g.play(16 * choice(g.empty_positions()) + choice(g.available_pieces()))

    return run


def environment_runner(env: object, rng: random.Random) -> Runner:
    """The original interface loop, shared by our Environment and the baseline."""
    choice = rng.choice
    reset = env.reset  # type: ignore[attr-defined]
    step = env.step  # type: ignore[attr-defined]

    def run(n: int) -> None:
        for _ in range(n):
            _, valid = reset()
            done = False
            while not done:
                _, _, done, valid = step(choice(valid))

    return run


def pettingzoo_runner(slug: str, rng: random.Random) -> Runner | str:
    if slug not in PETTINGZOO:
        return "no such game"
    try:
        import importlib

        import numpy as np

        module = importlib.import_module(f"pettingzoo.classic.{PETTINGZOO[slug]}")
    except ImportError as error:
        # pettingzoo.classic also needs pygame: pip install "pettingzoo[classic]".
        return f"not installed ({error.name or error})"
    env = module.env()
    env.reset(seed=rng.randrange(2**31))
    choice = rng.choice
    flatnonzero = np.flatnonzero

    def run(n: int) -> None:
        for _ in range(n):
            env.reset()
            for _agent in env.agent_iter():
                observation, _, terminated, truncated, _ = env.last()
                if terminated or truncated:
                    env.step(None)
                else:
                    env.step(choice(flatnonzero(observation["action_mask"])))

    return run


def openspiel_runner(slug: str, rng: random.Random) -> Runner | str:
    if slug not in OPENSPIEL:
        return "no such game"
    try:
        import pyspiel
    except ImportError:
        return "not installed"
    game = pyspiel.load_game(OPENSPIEL[slug])
    choice = rng.choice

    def run(n: int) -> None:
        for _ in range(n):
            state = game.new_initial_state()
            while not state.is_terminal():
                state.apply_action(choice(state.legal_actions()))

    return run


def measure(run: Runner, seconds: float) -> float:
    """Games per second, in batches sized so that the clock is read rarely."""
    run(20)  # warm up caches and lazily built tables
    batch, games, elapsed = 10, 0, 0.0
    while elapsed < seconds:
        start = time.perf_counter()
        run(batch)
        spent = time.perf_counter() - start
        games += batch
        elapsed += spent
        if spent < 0.05:
            batch *= 2
    return games / elapsed


def bench_game(slug: str, seconds: float, seed: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def add(impl: str, runner: Runner | str, note: str = "") -> None:
        if isinstance(runner, str):
            rows.append({"game": slug, "impl": impl, "games_per_s": None, "note": runner})
            return
        rate = measure(runner, seconds)
        rows.append({"game": slug, "impl": impl, "games_per_s": rate, "note": note})
        print(f"  {slug:13} {impl:22} {rate:12,.0f} games/s", file=sys.stderr, flush=True)

    baseline_env = original_rules.GAMES[slug]()
    published = ORIGINAL_PUBLISHED[slug]
    add(
        "baseline (2019 numpy)",
        environment_runner(baseline_env, random.Random(seed)),
        f"original measured {published:,}/s",
    )
    quarto_note = "random empty position x random available piece" if slug == "quarto" else ""
    add("fast API (Game)", fast_runner(slug, random.Random(seed)), quarto_note)
    add("Environment.step", environment_runner(environments.load(slug), random.Random(seed)))
    add("PettingZoo", pettingzoo_runner(slug, random.Random(seed)), PETTINGZOO.get(slug, ""))
    add("OpenSpiel", openspiel_runner(slug, random.Random(seed)), OPENSPIEL.get(slug, ""))
    if slug == "quarto":
        add(
            "loop alone, no rules",
            harness_runner(random.Random(seed)),
            "ceiling of the fast-API loop: choice() x2, getters, no-op play()",
        )
    return rows


def targets(rows: list[dict[str, object]]) -> list[str]:
    """The goals set for the rules, checked against this run's numbers."""
    rate = {(r["game"], r["impl"]): r["games_per_s"] for r in rows}
    lines = []
    for slug in dict.fromkeys(r["game"] for r in rows):
        base = rate.get((slug, "baseline (2019 numpy)"))
        fast = rate.get((slug, "fast API (Game)"))
        env = rate.get((slug, "Environment.step"))
        spiel = rate.get((slug, "OpenSpiel"))
        if slug == "quarto":
            goal = 20 * base
            lines.append(_goal(f"{slug}: fast API >= 20x baseline ({goal:,.0f}/s)", fast, goal))
        elif spiel:
            lines.append(_goal(f"{slug}: fast API >= OpenSpiel ({spiel:,.0f}/s)", fast, spiel))
        lines.append(
            _goal(f"{slug}: Environment >= 5x baseline ({5 * base:,.0f}/s)", env, 5 * base)
        )
    return lines


def _goal(text: str, value: object, goal: float) -> str:
    met = isinstance(value, float) and value >= goal
    return f"  [{'met' if met else 'MISSED'}] {text}: {value:,.0f}/s"


def table(rows: list[dict[str, object]]) -> str:
    base = {r["game"]: r["games_per_s"] for r in rows if r["impl"] == "baseline (2019 numpy)"}
    out = [
        f"{'game':13} {'implementation':22} {'games/s':>12} {'x baseline':>11}  note",
        "-" * 100,
    ]
    for r in rows:
        rate = r["games_per_s"]
        if rate is None:
            out.append(f"{r['game']:13} {r['impl']:22} {'-':>12} {'-':>11}  {r['note']}")
            continue
        ratio = rate / base[r["game"]]
        out.append(f"{r['game']:13} {r['impl']:22} {rate:12,.0f} {ratio:10.2f}x  {r['note']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument(
        "--games",
        default=",".join(environments.slugs()),
        help="comma-separated slugs (default: all)",
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    rows: list[dict[str, object]] = []
    for slug in args.games.split(","):
        rows.extend(bench_game(slug.strip(), args.seconds, args.seed))
    print(
        f"Random games per second (Python {sys.version.split()[0]}, "
        f"{args.seconds:g} s per measurement)\n"
    )
    print(table(rows))
    print("\nTargets:")
    print("\n".join(targets(rows)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
