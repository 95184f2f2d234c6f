"""Training throughput: environment steps per second through arena.training's wrappers,
beside PettingZoo's own classic games in the same run.

    python bench/bench_training.py [--seconds S] [--games tic-tac-toe] [--json out.json]

For tic-tac-toe and connect-four, every row plays whole random games (actions drawn with
``random.Random(seed).choice`` from the action mask) and counts:

- ``steps/s``: calls of ``step`` with an action (the learner's side of the API);
- ``moves/s``: moves played on the board, both sides. One Gymnasium step is two moves (yours
  and the opponent's answer), one AEC step one move: ``moves/s`` is the fair comparison.

Rows:

- ``PettingZoo <env> (AEC)``: ``pettingzoo.classic.tictactoe_v3`` / ``connect_four_v3``, both
  sides random from the action mask. The baseline: every ratio is against it.
- ``arena AEC``: :class:`arena.training.aec.ArenaAECEnv`, the same loop.
- ``arena Gymnasium, random in process``: :class:`arena.training.single.ArenaEnv` against the
  example ``random`` player loaded in this process (the opponent to train against).
- ``arena Gymnasium, random in its sandbox``: the same against ``example_players/random`` run
  in the process sandbox (the protocol's round trip per answer), unless ``--no-sandbox``.

No timing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._common import EXAMPLE_PLAYERS, print_table  # noqa: E402

PETTINGZOO = {"tic-tac-toe": "tictactoe_v3", "connect-four": "connect_four_v3"}

#: Plays ``n`` whole games, returns (steps with an action, moves on the board).
Runner = Callable[[int], tuple[int, int]]


def aec_runner(env: object, rng: random.Random) -> Runner:
    """The AEC loop, shared by PettingZoo's games and ours: both sides random."""
    choice = rng.choice
    flatnonzero = np.flatnonzero
    reset = env.reset  # type: ignore[attr-defined]
    agent_iter = env.agent_iter  # type: ignore[attr-defined]
    last = env.last  # type: ignore[attr-defined]
    step = env.step  # type: ignore[attr-defined]

    def run(n: int) -> tuple[int, int]:
        moves = 0
        for _ in range(n):
            reset()
            for _agent in agent_iter():
                observation, _, terminated, truncated, _ = last()
                if terminated or truncated:
                    step(None)
                else:
                    step(choice(flatnonzero(observation["action_mask"])))
                    moves += 1
        return moves, moves

    return run


def gymnasium_runner(env: object, rng: random.Random) -> Runner:
    """The single-agent loop: the learner random from ``info["action_mask"]``."""
    choice = rng.choice
    flatnonzero = np.flatnonzero
    reset = env.reset  # type: ignore[attr-defined]
    step = env.step  # type: ignore[attr-defined]
    game = env.game  # type: ignore[attr-defined]

    def run(n: int) -> tuple[int, int]:
        steps = moves = 0
        for _ in range(n):
            _, info = reset()
            terminated = False
            while not terminated:
                _, _, terminated, _, info = step(choice(flatnonzero(info["action_mask"])))
                steps += 1
            # Moves on the board: ours, the opponent's answers and its first move, if any.
            moves += _moves_on_board(game.state())
        return steps, moves

    return run


def _moves_on_board(state: list) -> int:
    """Marks or discs on the board (tic-tac-toe, connect-four): the moves of the game."""
    return sum(1 for x in state[:-1] if x)


def measure(run: Runner, seconds: float) -> tuple[float, float]:
    """(steps/s, moves/s), in batches sized so that the clock is read rarely."""
    run(5)  # warm up: imports, tables, a sandbox's first answers
    batch, steps, moves, elapsed = 5, 0, 0, 0.0
    while elapsed < seconds:
        start = time.perf_counter()
        s, m = run(batch)
        spent = time.perf_counter() - start
        steps, moves, elapsed = steps + s, moves + m, elapsed + spent
        if spent < 0.05:
            batch *= 2
    return steps / elapsed, moves / elapsed


def bench_game(slug: str, seconds: float, seed: int, sandbox: bool) -> list[dict[str, object]]:
    from arena.training.aec import ArenaAECEnv
    from arena.training.single import ArenaEnv

    rows: list[dict[str, object]] = []
    try:
        module = importlib.import_module(f"pettingzoo.classic.{PETTINGZOO[slug]}")
        reference: object | str = module.env()
        reference.reset(seed=seed)  # type: ignore[union-attr]
    except ImportError as error:
        # pettingzoo.classic needs pygame: pip install -r requirements-bench.txt.
        reference = f"not installed ({error.name or error})"

    def add(name: str, env: object, make_runner: Callable[[object, random.Random], Runner]):
        if isinstance(env, str):
            rows.append({"game": slug, "row": name, "note": env})
            return
        steps, moves = measure(make_runner(env, random.Random(seed)), seconds)
        rows.append({"game": slug, "row": name, "steps_per_s": steps, "moves_per_s": moves})

    add(f"PettingZoo {PETTINGZOO[slug]} (AEC)", reference, aec_runner)
    add("arena AEC", ArenaAECEnv(slug), aec_runner)
    env = ArenaEnv(slug, "random")
    env.reset(seed=seed)
    add("arena Gymnasium, random in process", env, gymnasium_runner)
    if sandbox:
        env = ArenaEnv(slug, EXAMPLE_PLAYERS / "random")
        env.reset(seed=seed)
        try:
            add("arena Gymnasium, random in its sandbox", env, gymnasium_runner)
        finally:
            env.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Training environments' steps per second.")
    parser.add_argument("--seconds", type=float, default=3.0, help="per row (default 3)")
    parser.add_argument("--games", default="tic-tac-toe,connect-four")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sandbox", action="store_true", help="skip the sandboxed opponent")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    games = [g.strip() for g in args.games.split(",") if g.strip()]
    unknown = [g for g in games if g not in PETTINGZOO]
    if unknown:
        parser.error(f"no PettingZoo game to compare {unknown}: choose from {list(PETTINGZOO)}")
    rows: list[dict[str, object]] = []
    for slug in games:
        game_rows = bench_game(slug, args.seconds, args.seed, not args.no_sandbox)
        rows += game_rows
        base = game_rows[0].get("moves_per_s")
        table = []
        for row in game_rows:
            if "note" in row:
                table.append([str(row["row"]), "-", "-", str(row["note"])])
                continue
            moves = float(row["moves_per_s"])  # type: ignore[arg-type]
            ratio = f"{moves / float(base):.2f}x" if isinstance(base, float) else "-"
            row["ratio_moves_vs_pettingzoo"] = moves / float(base) if base else None
            table.append([str(row["row"]), f"{row['steps_per_s']:,.0f}", f"{moves:,.0f}", ratio])
        print_table(
            f"{slug}: random games, {args.seconds:g} s per row (ratio: moves/s against PettingZoo)",
            ["row", "steps/s", "moves/s", "ratio"],
            table,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
