"""Positions proven per second: each game's solver against a plain negamax, by pieces on the board.

    python bench/bench_solver.py [--budget 0.5] [--positions 8] [--games connect-four,quarto]
                                 [--seed 12] [--json out.json]

For every game, positions are sampled from seeded random games whose moves avoid ending the
game or letting the opponent win at once when another move exists (pure random games end too
early to reach the late positions, and leave most of them one move from the end), a few per
bucket of pieces on the board. On the same positions, each with the same budget:

- ``plain negamax`` (baseline): exhaustive negamax over the rules' fast API (``Game.copy``,
  ``Game.play``), no transposition table, no move ordering, no pruning; it proves a position
  when it finishes within the budget.
- ``solver``: ``environments.solver.solver(slug).solve(state, budget)``, a fresh solver per
  position (no table carried over from the previous position, which the coach would enjoy).

A position is proven when its value is known; positions/s is proven positions over the seconds
spent on the bucket (a position that runs out of budget costs the whole budget). Where both
prove a position their values must agree: a disagreement is printed and fails the run.
Tic-tac-toe's solver builds its table once (timed apart, as ``table build``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import environments  # noqa: E402
from bench._common import print_table  # noqa: E402
from environments import Game  # noqa: E402
from environments.solver import Solver, solver  # noqa: E402

#: Buckets of pieces on the board, per game (inclusive ranges).
BUCKETS = {
    "tic-tac-toe": ((0, 1), (2, 3), (4, 5), (6, 8)),
    "connect-four": ((8, 13), (14, 19), (20, 25), (26, 31), (32, 41)),
    "quarto": ((3, 5), (6, 7), (8, 9), (10, 11), (12, 14)),
}


class _OutOfTime(Exception):
    pass


def plain_negamax(game: Game, deadline: float) -> tuple[int, int]:
    """(value, plies) of the unfinished ``game`` by exhaustive negamax, or _OutOfTime."""
    nodes = 0

    def search(game: Game) -> tuple[int, int]:
        nonlocal nodes
        nodes += 1
        if not nodes & 1023 and time.monotonic() > deadline:
            raise _OutOfTime
        best: tuple[int, int] | None = None
        for action in game.legal_actions():
            child = game.copy()
            reward = child.play(action)
            if child.done:
                outcome = (1 if reward > 0 else -1 if reward < 0 else 0), 1
            else:
                value, plies = search(child)
                outcome = -value, plies + 1
            # Higher value first; the winner hurries, the loser delays.
            if best is None or (outcome[0], -outcome[0] * outcome[1]) > (
                best[0],
                -best[0] * best[1],
            ):
                best = outcome
        assert best is not None
        return best

    return search(game)


def pieces_on_board(game: Game) -> int:
    state = game.state()
    empty = -1 if game.slug == "quarto" else 0
    return sum(1 for cell in state[:-1] if cell != empty)


def quiet_position(slug: str, rng: random.Random, pieces: int) -> Game | None:
    """A random position with ``pieces`` on the board (see the module), or None."""
    game = environments.new_game(slug)
    while pieces_on_board(game) < pieces:
        actions = list(game.legal_actions())
        rng.shuffle(actions)
        fallback = None
        for action in actions:
            child = game.copy()
            child.play(action)
            if child.done:
                continue
            if not any(child.copy().play(reply) > 0 for reply in child.legal_actions()):
                game = child
                break
            fallback = fallback or child
        else:
            if fallback is None:
                return None
            game = fallback
    return game


def sample(slug: str, rng: random.Random, per_bucket: int) -> list[list[Game]]:
    buckets = []
    for low, high in BUCKETS[slug]:
        found: list[Game] = []
        while len(found) < per_bucket:
            game = quiet_position(slug, rng, rng.randint(low, high))
            if game is not None:
                found.append(game)
        buckets.append(found)
    return buckets


def fresh_solver(slug: str) -> Solver:
    shared = solver(slug)
    assert shared is not None, f"{slug} ships no solver"
    # A new instance: its table starts empty (tic-tac-toe's is exact and shared on purpose).
    return shared if shared.exact else type(shared)()


def measure(slug: str, positions: list[Game], budget: float) -> dict[str, object]:
    row: dict[str, object] = {"positions": len(positions)}
    baseline: list[tuple[int, int] | None] = []
    started = time.perf_counter()
    for game in positions:
        try:
            baseline.append(plain_negamax(game, time.monotonic() + budget))
        except _OutOfTime:
            baseline.append(None)
    row["plain_seconds"] = time.perf_counter() - started
    row["plain_proven"] = sum(1 for found in baseline if found is not None)
    verdicts = []
    started = time.perf_counter()
    for game in positions:
        verdicts.append(fresh_solver(slug).solve(game.state(), budget))
    row["solver_seconds"] = time.perf_counter() - started
    row["solver_proven"] = sum(1 for verdict in verdicts if verdict.known)
    row["solver_with_plies"] = sum(1 for verdict in verdicts if verdict.plies is not None)
    disagreements = []
    for game, found, verdict in zip(positions, baseline, verdicts, strict=True):
        if found is None or not verdict.known:
            continue
        if verdict.value != found[0] or verdict.plies not in (None, found[1]):
            disagreements.append((game.state(), found, verdict))
    row["disagreements"] = len(disagreements)
    for state, found, verdict in disagreements:
        print(f"DISAGREEMENT {slug} {state}: plain negamax {found}, solver {verdict}")
    return row


def rate(proven: object, seconds: object) -> float:
    assert isinstance(proven, int) and isinstance(seconds, float)
    return proven / seconds if seconds > 0 else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per position")
    parser.add_argument("--positions", type=int, default=16, help="positions per bucket")
    parser.add_argument("--games", default=",".join(BUCKETS), help="comma-separated slugs")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    rows = []
    failed = False
    for slug in args.games.split(","):
        rng = random.Random(f"{args.seed}-{slug}")
        buckets = sample(slug, rng, args.positions)
        if slug == "tic-tac-toe":
            started = time.perf_counter()
            fresh_solver(slug).solve(environments.new_game(slug).state(), args.budget)
            print(f"\n{slug}: table build {1000 * (time.perf_counter() - started):.1f} ms")
        table = []
        for (low, high), positions in zip(BUCKETS[slug], buckets, strict=True):
            row = measure(slug, positions, args.budget)
            row.update(game=slug, pieces=f"{low}-{high}")
            rows.append(row)
            failed |= bool(row["disagreements"])
            plain = rate(row["plain_proven"], row["plain_seconds"])
            fast = rate(row["solver_proven"], row["solver_seconds"])
            table.append(
                [
                    f"{low}-{high}",
                    f"{row['plain_proven']}/{len(positions)}",
                    f"{plain:,.1f}",
                    f"{row['solver_proven']}/{len(positions)} ({row['solver_with_plies']})",
                    f"{fast:,.1f}",
                    f"{fast / plain:,.1f}x" if plain else "-",
                ]
            )
        print_table(
            f"{slug}: positions proven per second, budget {args.budget} s per position",
            [
                "pieces",
                "plain proven",
                "plain pos/s",
                "solver proven (with plies)",
                "solver pos/s",
                "x plain",
            ],
            table,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if failed:
        print("\nThe solver and the plain negamax disagree on some position: see above.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
