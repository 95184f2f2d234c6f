"""Early stopping (run_duel/stopping.py): matches saved, and duel results it changes.

    python bench/bench_early_stop.py [--quick] [--mode sprt] [--games tic-tac-toe,quarto]
        [--matches N] [--seeds S] [--permutations K] [--jobs J] [--elo E] [--alpha A]

A round robin, per game, of the example players (random, dummy, minimax) and the 2019-style
players of bench/players (greedy: win, else block, else random; noisy_greedy: the same with a
quarter of its moves at random), in process (no sandbox), and mirror duels (random, greedy and
noisy_greedy each against a copy of itself: even pairs, where an early stop is the likeliest
to differ from the full duel; they count for the results, not for the savings, since a
round robin has none). Every pair plays, in the same run:

- a full duel (the game's duel length: 1000, 500, 1000 matches), the baseline;
- the same duel with early stopping, with the same seed, so that both play the same matches
  until the early one stops (the players draw from seeded generators; minimax's time-bounded
  search may still differ now and then).

Two figures of results that differ from the full run:

- ``direct``: the early-stopped duel's result against the full duel's, pair by pair;
- ``replayed``: the stopping rule replayed over recorded match sequences: every full duel
  above plus ``--seeds`` more seeded full duels of each pair without minimax (the cheap ones),
  each also in ``--permutations`` random orders of its pairs of matches (pairs are exchangeable:
  the same players, the same first mover in each half). Each replay stops where the rule says
  and its result is compared with the full duel's.

Targets: early matches at most 30% of the full run's, at most 1 differing duel in 1000.
Minimax's search budget per move is cut (``--minimax-budget``, 0.0005 s) to keep its duels
short; the default run takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

from _common import EXAMPLE_PLAYERS, ROOT, print_table

BENCH_PLAYERS = ROOT / "bench" / "players"
PLAYERS = {
    "random": EXAMPLE_PLAYERS / "random",
    "dummy": EXAMPLE_PLAYERS / "dummy",
    "minimax": EXAMPLE_PLAYERS / "minimax",
    "greedy": BENCH_PLAYERS / "greedy",
    "noisy_greedy": BENCH_PLAYERS / "noisy_greedy",
}
GAMES = ("tic-tac-toe", "connect-four", "quarto")
MIRRORS = ("random", "greedy", "noisy_greedy")


def _load(name: str, game: str, seed: int, label: str, budget: float):
    import environments
    from run_duel.players import load_player

    handle = load_player(
        PLAYERS[name], state_dtype=environments.info(game).state_dtype, label=label
    )
    module_globals = type(handle.player).__init__.__globals__
    if "MOVE_BUDGET" in module_globals:
        module_globals["MOVE_BUDGET"] = budget
    if hasattr(handle.player, "rng"):
        handle.player.rng = random.Random(seed)
    return handle


def play(task: tuple[str, str, str, int, int, dict[str, Any] | None, float]) -> dict[str, Any]:
    """One duel, full (``stopping`` None) or early-stopped; its match results and cost."""
    from run_duel import run_duel
    from run_duel.stopping import Stopping

    game, name_1, name_2, matches, seed, stopping, budget = task
    random.seed(seed)
    player_1 = _load(name_1, game, seed * 2, "player 1", budget)
    player_2 = _load(name_2, game, seed * 2 + 1, "player 2", budget)
    start = time.perf_counter()
    rule = Stopping(**stopping) if stopping else None
    record = run_duel(game, player_1, player_2, matches, stopping=rule)
    return {
        "game": game,
        "pair": (name_1, name_2),
        "seed": seed,
        "early": stopping is not None,
        "result": record["result"],
        "results": [m["result"] for m in record["matches"]],
        "num_matches": record["num_matches"],
        "played": record["matches_played"],
        "stopped": record["stopped"],
        "seconds": time.perf_counter() - start,
    }


def replays(job: tuple[list[str], int, dict[str, Any], int, int]) -> tuple[int, int, int, int]:
    """The rule over one full duel's matches, in order and in ``permutations`` shuffles of
    its pairs: (replays, results that differ, matches of the full duels, matches played)."""
    from run_duel.stopping import Stopping, replay

    results, num_matches, stopping, permutations, seed = job
    rule = Stopping(**stopping)
    rng = random.Random(seed)
    expected = full_result(results)
    pairs = [results[i : i + 2] for i in range(0, len(results), 2)]
    count = differ = full = played_total = 0
    for shuffle in range(permutations + 1):
        if shuffle:
            rng.shuffle(pairs)
        order = [result for pair in pairs for result in pair]
        played, _, _ = replay(rule, order, num_matches)
        count += 1
        full += len(order)
        played_total += played
        differ += full_result(order[:played]) != expected
    return count, differ, full, played_total


def full_result(results: list[str]) -> str:
    from run_duel.outcomes import COUNTER, duel_result

    tally: dict[str, float] = dict.fromkeys(COUNTER.values(), 0)
    for result in results:
        tally[COUNTER[result]] += 1
    # The tie-break on scores is left out on both sides of every comparison below: the rule
    # never stops on equal effective wins, so it cannot change a score-decided result.
    tally["player_1_score"] = tally["player_2_score"] = 0
    return duel_result(tally)


def main() -> None:
    from run_duel.stopping import SPRT, Stopping

    defaults = Stopping()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60-match duels, few replays")
    parser.add_argument("--mode", default=SPRT, choices=("decided", "sprt"))
    parser.add_argument("--games", default=",".join(GAMES))
    parser.add_argument("--matches", type=int, default=None, help="default: each game's")
    parser.add_argument("--seeds", type=int, default=1, help="extra full duels per cheap pair")
    parser.add_argument("--permutations", type=int, default=20, help="replays per full duel")
    parser.add_argument("--no-mirrors", dest="mirrors", action="store_false")
    parser.add_argument("--save", help="write the duels played to this JSON file")
    parser.add_argument("--load", help="replay the duels of a --save file instead of playing")
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--minimax-budget", type=float, default=0.0005)
    parser.add_argument("--elo", type=float, default=defaults.elo1)
    parser.add_argument("--alpha", type=float, default=defaults.alpha)
    parser.add_argument("--min-matches", type=int, default=defaults.min_matches)
    args = parser.parse_args()
    if args.quick:
        args.matches = args.matches or 60
        args.seeds, args.permutations = min(args.seeds, 1), min(args.permutations, 5)
    stopping = {
        "mode": args.mode,
        "alpha": args.alpha,
        "beta": args.alpha,
        "elo0": -args.elo,
        "elo1": args.elo,
        "min_matches": args.min_matches,
    }
    Stopping(**stopping)  # checked here, before any duel
    games = [g.strip() for g in args.games.split(",") if g.strip()]

    import environments

    tasks = []
    for game in games:
        matches = args.matches or environments.info(game).num_matches
        for seed, (one, two) in enumerate(itertools.combinations(PLAYERS, 2), 1):
            budget = args.minimax_budget
            tasks.append((game, one, two, matches, seed, None, budget))
            tasks.append((game, one, two, matches, seed, stopping, budget))
            if "minimax" not in (one, two):
                for extra in range(args.seeds):
                    tasks.append((game, one, two, matches, 1000 * (extra + 1) + seed, None, budget))
        # Mirror duels, a player against a copy of itself: even pairs, where a full duel's
        # result is a coin toss and an early stop has the most chances to differ from it.
        for seed, name in enumerate(MIRRORS if args.mirrors else (), 100):
            for extra in range(args.seeds + 1):
                tasks.append((game, name, name, matches, 1000 * extra + seed, None, budget))
            tasks.append((game, name, name, matches, seed, stopping, budget))
    started = time.perf_counter()
    with multiprocessing.Pool(args.jobs) as pool:
        if args.load:
            duels = json.loads(Path(args.load).read_text())
            duels = [{**d, "pair": tuple(d["pair"])} for d in duels if d["game"] in games]
        else:
            duels = pool.map(play, tasks, chunksize=1)
        wall = time.perf_counter() - started
        if args.save:
            Path(args.save).write_text(json.dumps(duels))
        # Each full duel in its order, then shuffled by pairs: where the rule stops, and
        # whether the result there is the full duel's.
        jobs = [
            (d["results"], d["num_matches"], stopping, args.permutations, seed)
            for seed, d in enumerate(duels)
            if not d["early"]
        ]
        replayed = pool.map(replays, jobs, chunksize=1)
    replay_wall = time.perf_counter() - started - wall
    outcome = {}
    for (duel_results, *_), stats in zip(jobs, replayed, strict=True):
        outcome[id(duel_results)] = stats

    print(
        f"early stop: {args.mode}, alpha = beta = {args.alpha}, elo bounds +-{args.elo}, "
        f"at least {args.min_matches} matches; {len(duels)} duels in {wall:.0f} s, "
        f"{len(jobs) * (args.permutations + 1)} replays in {replay_wall:.0f} s "
        f"({args.jobs} processes)"
    )
    direct_rows, replay_rows = [], []
    totals = {"full": 0, "early": 0, "pairs": 0, "differ": 0, "replays": 0, "rdiffer": 0}
    totals |= {"rfull": 0, "rplayed": 0}
    sections = [(game, "round robin") for game in games]
    sections += [(game, "mirror") for game in games] if args.mirrors else []
    for game, kind in sections:
        mirror = kind == "mirror"
        mine = [d for d in duels if d["game"] == game and (d["pair"][0] == d["pair"][1]) == mirror]
        full = {(d["pair"], d["seed"]): d for d in mine if not d["early"]}
        early = {(d["pair"], d["seed"]): d for d in mine if d["early"]}
        full_matches = sum(full[key]["played"] for key in early)
        early_matches = sum(d["played"] for d in early.values())
        differ = [key for key, d in early.items() if d["result"] != full[key]["result"]]
        stops = [d["stopped"] for d in early.values()]
        direct_rows.append(
            [
                f"{game}, {kind}",
                str(len(early)),
                f"{full_matches:,}",
                f"{early_matches:,}",
                f"{early_matches / full_matches:.1%}",
                f"{stops.count('decided')}/{stops.count('sprt')}/{stops.count(None)}",
                str(len(differ)),
            ]
        )
        for key in differ:
            print(f"  {game} {key}: full {full[key]['result']}, early {early[key]['result']}")
        if not mirror:  # the savings target is the round robin's
            totals["full"] += full_matches
            totals["early"] += early_matches
        totals["pairs"] += len(early)
        totals["differ"] += len(differ)

        count = replay_differ = replay_full = replay_played = 0
        for record in full.values():
            n, differ_count, full_count, played_count = outcome[id(record["results"])]
            count += n
            replay_differ += differ_count
            replay_full += full_count
            replay_played += played_count
        replay_rows.append(
            [
                f"{game}, {kind}",
                str(len(full)),
                f"{count:,}",
                f"{replay_played / replay_full:.1%}",
                str(replay_differ),
            ]
        )
        totals["replays"] += count
        totals["rdiffer"] += replay_differ
        totals["rfull"] += replay_full
        totals["rplayed"] += replay_played

    direct_rows.append(
        [
            "round robins (savings); all (results)",
            str(totals["pairs"]),
            f"{totals['full']:,}",
            f"{totals['early']:,}",
            f"{totals['early'] / totals['full']:.1%}",
            "",
            str(totals["differ"]),
        ]
    )
    replay_rows.append(
        [
            "all",
            "",
            f"{totals['replays']:,}",
            f"{totals['rplayed'] / totals['rfull']:.1%}",
            f"{totals['rdiffer']} ({totals['rdiffer'] / max(totals['replays'], 1):.2%})",
        ]
    )
    print_table(
        "Direct: each pair's full duel and its early-stopped duel, same seed",
        ["game", "pairs", "full matches", "early matches", "early/full", "decided/sprt/full",
         "results differ"],
        direct_rows,
    )  # fmt: skip
    print_table(
        "Replayed: the rule over recorded full duels, in their order and shuffled by pairs",
        ["game", "full duels", "replays", "matches played", "results differ"],
        replay_rows,
    )
    ratio = totals["early"] / totals["full"]
    rate = totals["rdiffer"] / max(totals["replays"], 1)
    print(
        f"\ntargets: early/full {ratio:.1%} (<= 30%: {'met' if ratio <= 0.30 else 'MISSED'}); "
        f"differing duels {totals['differ']} of {totals['pairs']} direct, "
        f"{totals['rdiffer']} of {totals['replays']} replayed "
        f"(<= 1 in 1000: {'met' if rate <= 0.001 and totals['differ'] == 0 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
