"""The pure confidence rule of docs/rules.md ("How sure the ranking is"): the likelihood of
superiority, head-to-head counts, which neighbours are tied, and the extra duels' budget."""

from __future__ import annotations

import pytest

from tournament_manager.confidence import (
    DRAWN_OUT,
    DuelMatches,
    HeadToHead,
    extra_duels,
    head_to_head,
    likelihood_of_superiority,
    neighbours,
)


def tally(
    wins_1: int = 0,
    wins_2: int = 0,
    draws: int = 0,
    errors_1: int = 0,
    errors_2: int = 0,
    other: int = 0,
) -> dict[str, float]:
    return {
        "player_1_wins": wins_1,
        "player_2_wins": wins_2,
        "draws": draws,
        "player_1_errors": errors_1,
        "player_2_errors": errors_2,
        "other_errors": other,
        "player_1_score": 0.0,
        "player_2_score": 0.0,
    }


@pytest.mark.parametrize(
    ("wins", "losses", "expected"),
    [
        # Phi((W - L) / sqrt(W + L)), computed by hand with a normal table.
        (0, 0, 0.5),
        (5, 5, 0.5),
        (3, 1, 0.841345),  # Phi(1)
        (6, 4, 0.736455),  # Phi(0.632456)
        (9, 4, 0.917241),  # Phi(1.386750)
        (20, 10, 0.966055),  # Phi(1.825742)
        (10, 0, 0.999217),  # Phi(3.162278)
        (4, 9, 0.082759),  # 1 - Phi(1.386750)
    ],
)
def test_the_likelihood_of_superiority(wins, losses, expected):
    assert likelihood_of_superiority(wins, losses) == pytest.approx(expected, abs=1e-6)


def test_head_to_head_counts_matches_won_with_errors_and_both_sides():
    duels = [
        # A as player 1: 3 wins, B's 2 errors are A's wins too; B won 1 and erred never.
        DuelMatches("A", "B", tally(wins_1=3, wins_2=1, draws=2, errors_2=2)),
        # An extra duel with B as player 1: B won 2, A won 1 and B erred once (A's win).
        DuelMatches("B", "A", tally(wins_1=2, wins_2=1, draws=1, errors_1=1)),
        # The arena failed this one: it counts for nobody.
        DuelMatches("A", "B", tally(wins_1=50, other=1), result="ERROR", failed=True),
        DuelMatches("A", "C", tally(wins_2=4)),
    ]
    table = head_to_head(duels)
    assert table["A", "B"] == HeadToHead(wins=7, draws=3, losses=3)
    assert table["B", "A"] == HeadToHead(wins=3, draws=3, losses=7)
    assert table["C", "A"] == HeadToHead(wins=4, draws=0, losses=0)
    assert ("B", "C") not in table


def test_neighbours_below_the_threshold_are_tied():
    table = head_to_head(
        [
            DuelMatches("A", "B", tally(wins_1=10)),  # 99.9%: separated
            DuelMatches("C", "B", tally(wins_1=4, wins_2=6)),  # B above C at 73.6%: tied
            DuelMatches("C", "D", tally(draws=6)),  # nothing decisive: 50%, tied
            DuelMatches("D", "E", tally(wins_1=1, wins_2=9)),  # E beats D, yet ranked below
        ]
    )
    pairs = neighbours(["A", "B", "C", "D", "E"], table, threshold=0.95)
    assert [(p.upper, p.lower) for p in pairs] == [("A", "B"), ("B", "C"), ("C", "D"), ("D", "E")]
    assert [p.separated for p in pairs] == [True, False, False, False]
    assert [p.decided for p in pairs] == [True, False, False, True]
    assert pairs[1].matches == HeadToHead(wins=6, draws=0, losses=4)
    assert pairs[1].confidence == pytest.approx(0.736455, abs=1e-6)
    assert pairs[2].confidence == 0.5
    # The same matches at a lower threshold separate B and C.
    assert neighbours(["B", "C"], table, threshold=0.7)[0].separated
    assert neighbours(["A"], table, threshold=0.95) == []


@pytest.mark.parametrize("threshold", [0.5, 1.0, 0.2])
def test_a_threshold_must_be_between_one_half_and_one(threshold):
    with pytest.raises(ValueError, match=r"between 0\.5 and 1"):
        neighbours(["A", "B"], {}, threshold=threshold)


def _undecided(order: str) -> list:
    return neighbours(list(order), {}, threshold=0.95)  # no matches: every pair at 50%


def test_extra_duels_go_to_undecided_pairs_within_the_budget():
    pairs = _undecided("ABCD")
    assert extra_duels(pairs, pending=[], played={}, budget_left=5) == [
        ("A", "B"),
        ("B", "C"),
        ("C", "D"),
    ]
    # The budget bounds them, the ranking's order first.
    assert extra_duels(pairs, pending=[], played={}, budget_left=2) == [("A", "B"), ("B", "C")]
    assert extra_duels(pairs, pending=[], played={}, budget_left=0) == []
    assert extra_duels(pairs, pending=[], played={}, budget_left=-1) == []


def test_a_pair_waits_for_its_pending_extra_duel_and_the_least_served_go_first():
    pairs = _undecided("ABCD")
    ab, bc, cd = frozenset("AB"), frozenset("BC"), frozenset("CD")
    assert extra_duels(pairs, pending=[ab], played={ab: 1}, budget_left=5) == [
        ("B", "C"),
        ("C", "D"),
    ]
    assert extra_duels(pairs, pending=[], played={ab: 2, bc: 1}, budget_left=2) == [
        ("C", "D"),
        ("B", "C"),
    ]
    assert extra_duels(pairs, pending=[ab, bc, cd], played={}, budget_left=5) == []


def test_decided_pairs_get_no_extra_duel():
    table = head_to_head(
        [DuelMatches("A", "B", tally(wins_1=10)), DuelMatches("B", "C", tally(wins_2=10))]
    )
    pairs = neighbours(["A", "B", "C"], table, threshold=0.95)
    assert extra_duels(pairs, pending=[], played={}, budget_left=10) == []


def test_a_pair_that_always_draws_is_tied_but_gets_no_extra_duel():
    few = head_to_head([DuelMatches("A", "B", tally(draws=DRAWN_OUT - 1))])
    [pair] = neighbours(["A", "B"], few, threshold=0.95)
    assert not pair.separated and not pair.decided  # too few draws to say so yet
    table = head_to_head([DuelMatches("A", "B", tally(draws=DRAWN_OUT))])
    [pair] = neighbours(["A", "B"], table, threshold=0.95)
    assert not pair.separated and pair.drawn_out and pair.decided
    assert extra_duels([pair], pending=[], played={}, budget_left=10) == []
    one_win = head_to_head([DuelMatches("A", "B", tally(wins_1=1, draws=DRAWN_OUT))])
    [pair] = neighbours(["A", "B"], one_win, threshold=0.95)
    assert not pair.drawn_out and not pair.decided
