"""How sure the ranking is: what the tie marks and the extra duels tell, and what they cost.

    python bench/bench_confidence.py [--editions 300] [--players 10] [--matches 100]
                                     [--budget 6] [--threshold 0.95] [--seed 1]

Simulated editions, no Docker and no database: each player has a hidden strength (Elo-like,
drawn uniformly over 600 points), each match is a draw with probability 0.2, else won with
the Elo probability of the strength gap. Every edition is a round robin of duels of
``--matches`` matches, ranked by the arena's own rules (``tournament_manager.rules``), then
judged by its own confidence rule and extra duels (``tournament_manager.confidence``),
exactly as ``update_ranking`` runs them.

The baseline, in the same run, is the leaderboard without confidence: every neighbour pair
shown in its rank order. The figures: how many neighbour pairs the ranking shows in the
wrong order of the hidden strengths; how many of the pairs it shows as separated are wrong
(the threshold's promise: few); how many of the wrong ones it marks as tied; what the extra
duels add; and the time the confidence adds to a re-ranking of an edition of 50.
"""

from __future__ import annotations

import argparse
import random
import time

from _common import print_table

from run_duel.outcomes import DRAW, PLAYER_1_WIN, PLAYER_2_WIN
from tournament_manager import confidence, rules

DRAW_RATE = 0.2
SPREAD = 600.0


def play_duel(rng: random.Random, one: float, two: float, matches: int) -> dict[str, float]:
    p_one = 1.0 / (1.0 + 10 ** ((two - one) / 400.0))
    tally = dict.fromkeys(
        ("player_1_wins", "player_2_wins", "draws", "player_1_errors", "player_2_errors"), 0
    )
    for _ in range(matches):
        if rng.random() < DRAW_RATE:
            tally["draws"] += 1
        elif rng.random() < p_one:
            tally["player_1_wins"] += 1
        else:
            tally["player_2_wins"] += 1
    return {**tally, "other_errors": 0, "player_1_score": 0.0, "player_2_score": 0.0}


def result(tally: dict[str, float]) -> str:
    one, two = tally["player_1_wins"], tally["player_2_wins"]
    return PLAYER_1_WIN if one > two else PLAYER_2_WIN if two > one else DRAW


def edition(rng: random.Random, args: argparse.Namespace) -> dict[str, int]:
    strength = {p: rng.uniform(0, SPREAD) for p in range(args.players)}
    duels: list[confidence.DuelMatches] = []
    outcomes = []
    for rnd in rules.round_robin(list(strength)):
        for one, two in rnd:
            tally = play_duel(rng, strength[one], strength[two], args.matches)
            outcomes.append(rules.DuelOutcome(one, two, result(tally)))
            duels.append(confidence.DuelMatches(one, two, tally, result(tally)))
    order = [s.participant for s in rules.standings(list(strength), outcomes)]

    def judged() -> list[confidence.NeighbourConfidence]:
        table = confidence.head_to_head(duels)
        return confidence.neighbours(order, table, args.threshold)

    before = judged()
    extras: list[frozenset[int]] = []
    while True:  # extra duels, one per undecided pair at a time, as update_ranking runs them
        played: dict[frozenset[int], int] = {}
        for pair in extras:
            played[pair] = played.get(pair, 0) + 1
        wanted = confidence.extra_duels(
            judged(), pending=[], played=played, budget_left=args.budget - len(extras)
        )
        if not wanted:
            break
        for upper, lower in wanted:
            tally = play_duel(rng, strength[upper], strength[lower], args.matches)
            duels.append(confidence.DuelMatches(upper, lower, tally, result(tally)))
            extras.append(frozenset((upper, lower)))
    after = judged()

    def wrong(pair: confidence.NeighbourConfidence) -> bool:
        return strength[pair.lower] > strength[pair.upper]

    return {
        "pairs": len(before),
        "wrong": sum(wrong(p) for p in before),
        "separated": sum(p.separated for p in before),
        "separated_wrong": sum(p.separated and wrong(p) for p in before),
        "wrong_tied": sum(wrong(p) and not p.separated for p in before),
        "separated_after": sum(p.separated for p in after),
        "separated_wrong_after": sum(p.separated and wrong(p) for p in after),
        "wrong_tied_after": sum(wrong(p) and not p.separated for p in after),
        "extras": len(extras),
        "round_robin": len(outcomes),
    }


def timing(players: int, matches: int, repeat: int = 30) -> tuple[float, float]:
    """Seconds per re-ranking of an edition of ``players``: the standings (the baseline:
    points, ranks and the OpenSkill rating), and the confidence of every neighbour pair
    added to them (the head-to-head table and the neighbours), measured alternately."""
    rng = random.Random(0)
    duels, outcomes = [], []
    for rnd in rules.round_robin(list(range(players))):
        for one, two in rnd:
            tally = play_duel(rng, 0, 0, matches)
            outcomes.append(rules.DuelOutcome(one, two, result(tally)))
            duels.append(confidence.DuelMatches(one, two, tally, result(tally)))
    standings = added = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        order = [s.participant for s in rules.standings(list(range(players)), outcomes)]
        middle = time.perf_counter()
        confidence.neighbours(order, confidence.head_to_head(duels), 0.95)
        standings += middle - start
        added += time.perf_counter() - middle
    return standings / repeat, added / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=300)
    parser.add_argument("--players", type=int, default=10)
    parser.add_argument("--matches", type=int, default=100)
    parser.add_argument("--budget", type=int, default=6)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals: dict[str, int] = {}
    for _ in range(args.editions):
        for key, value in edition(rng, args).items():
            totals[key] = totals.get(key, 0) + value

    def share(part: int, whole: int) -> str:
        return f"{part:,} / {whole:,} ({100 * part / whole:.1f}%)" if whole else "-"

    t = totals
    print(
        f"{args.editions} editions of {args.players} players, duels of {args.matches} matches, "
        f"threshold {args.threshold:g}, budget {args.budget} extra duels per edition"
    )
    print_table(
        "Neighbour pairs of the leaderboards",
        ["", "baseline: rank order only", "after the round robin", "after the extra duels"],
        [
            [
                "shown in the wrong order of strength",
                share(t["wrong"], t["pairs"]),
                share(t["separated_wrong"], t["pairs"]),
                share(t["separated_wrong_after"], t["pairs"]),
            ],
            [
                "shown separated (not tied)",
                share(t["pairs"], t["pairs"]),
                share(t["separated"], t["pairs"]),
                share(t["separated_after"], t["pairs"]),
            ],
            [
                "wrong among those shown separated",
                share(t["wrong"], t["pairs"]),
                share(t["separated_wrong"], t["separated"]),
                share(t["separated_wrong_after"], t["separated_after"]),
            ],
            [
                "wrong ones marked tied",
                share(0, t["wrong"]),
                share(t["wrong_tied"], t["wrong"]),
                share(t["wrong_tied_after"], t["wrong"]),
            ],
        ],
    )
    print(
        f"\nExtra duels: {t['extras']:,} beside {t['round_robin']:,} round-robin duels "
        f"({100 * t['extras'] / t['round_robin']:.1f}% more duels; "
        f"{t['extras'] / args.editions:.2f} per edition)"
    )
    standings, added = timing(50, args.matches)
    print(
        f"\nRe-ranking an edition of 50 (1,225 duels): the standings {1000 * standings:.1f} ms, "
        f"the confidence adds {1000 * added:.1f} ms ({added / standings:.2f} x the standings)"
    )


if __name__ == "__main__":
    main()
