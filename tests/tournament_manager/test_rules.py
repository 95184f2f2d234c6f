"""The pure tournament rules of docs/rules.md: round robin, standings, rating, state, reuse."""

from __future__ import annotations

from collections import Counter

import pytest

from tournament_manager.rules import (
    COMPLETED,
    DRAW,
    ERROR,
    FAILED,
    PLAYER_1_WIN,
    PLAYER_2_WIN,
    RUNNING,
    DuelOutcome,
    duels_to_play,
    ratings,
    round_robin,
    standings,
    tournament_state,
)

NAMES = "ABCDEFGHI"


def duel(
    one: str,
    two: str,
    result: str | None,
    score: float = 0.0,
    *,
    failed: bool = False,
) -> DuelOutcome:
    """A duel whose scores are ``score`` and ``-score``, as a duel's two scores always are."""
    return DuelOutcome(one, two, result, failed, score, -score)


def ranks(participants: str, outcomes: list[DuelOutcome]) -> dict[str, int | None]:
    return {s.participant: s.rank for s in standings(list(participants), outcomes)}


# --- round robin ---


@pytest.mark.parametrize("count", range(2, 10))
def test_round_robin_plays_every_pair_once_in_rounds(count):
    players = list(NAMES[:count])
    rounds = round_robin(players)

    pairs = [pair for round_ in rounds for pair in round_]
    assert len(pairs) == count * (count - 1) // 2
    assert {frozenset(pair) for pair in pairs} == {
        frozenset((a, b)) for i, a in enumerate(players) for b in players[i + 1 :]
    }
    assert len(rounds) == (count - 1 if count % 2 == 0 else count)
    for round_ in rounds:
        seated = [player for pair in round_ for player in pair]
        assert len(seated) == len(set(seated)), round_
        # Only the bye of an odd count leaves someone out.
        assert len(seated) == count - count % 2
    first, second = Counter(p[0] for p in pairs), Counter(p[1] for p in pairs)
    for player in players:
        assert abs(first[player] - second[player]) <= 1, (player, first, second)
    assert round_robin(players) == rounds  # deterministic


@pytest.mark.parametrize("players", [[], ["A"]])
def test_round_robin_needs_two(players):
    assert round_robin(players) == []


def test_round_robin_refuses_a_participant_twice():
    with pytest.raises(ValueError):
        round_robin(["A", "B", "A"])


# --- standings ---

STANDINGS_CASES = {
    # A and C beat B and D alike: two pairs of equal tuples.
    "shared ranks skip the next": (
        "ABCD",
        [duel("A", "B", PLAYER_1_WIN, 3), duel("C", "D", PLAYER_1_WIN, 3)],
        {"A": 1, "C": 1, "B": 3, "D": 3},
    ),
    # A: 3 draws, 3 points. B: 1 win and far more score but 2 points. Points decide.
    "points decide": (
        "ABCDE",
        [
            duel("A", "C", DRAW),
            duel("A", "D", DRAW),
            duel("A", "E", DRAW),
            duel("B", "C", PLAYER_1_WIN, 90),
        ],
        {"A": 1, "B": 2, "D": 3, "E": 3, "C": 5},
    ),
    # A: a win and a loss; B: two draws and far more score. Both have 2 points: wins decide.
    "wins decide": (
        "ABCD",
        [
            duel("A", "C", PLAYER_1_WIN, 1),
            duel("D", "A", PLAYER_1_WIN, 1),
            duel("B", "C", DRAW, 50),
            duel("B", "D", DRAW, 50),
        ],
        {"D": 1, "A": 2, "B": 3, "C": 4},
    ),
    # A and B: one win each (2 points), A by more: total score decides.
    "total score decides": (
        "ABCD",
        [duel("A", "C", PLAYER_1_WIN, 10), duel("D", "B", PLAYER_2_WIN, -5)],
        {"A": 1, "B": 2, "D": 3, "C": 4},
    ),
}


@pytest.mark.parametrize(
    "participants, outcomes, expected", STANDINGS_CASES.values(), ids=list(STANDINGS_CASES)
)
def test_standings_rank_by_points_wins_then_total_score(participants, outcomes, expected):
    table = standings(list(participants), outcomes)
    assert {s.participant: s.rank for s in table} == expected
    assert [s.rank for s in table] == sorted(s.rank for s in table)  # best first


def test_standings_count_wins_losses_draws_points_and_score():
    table = {
        s.participant: s
        for s in standings(
            ["A", "B", "C"],
            [
                duel("A", "B", PLAYER_1_WIN, 10),
                duel("B", "C", PLAYER_1_WIN, 5),
                duel("C", "A", DRAW, 2),
            ],
        )
    }
    got = {p: (s.wins, s.losses, s.draws, s.points, s.total_score) for p, s in table.items()}
    assert got == {"A": (1, 0, 1, 3, 8), "B": (1, 1, 0, 2, -5), "C": (0, 1, 1, 1, -3)}


def test_ties_keep_the_input_order():
    table = standings(["D", "B", "C", "A"], [])
    assert [s.participant for s in table] == ["D", "B", "C", "A"]
    assert [s.rank for s in table] == [1, 1, 1, 1]


@pytest.mark.parametrize(
    "outcome",
    [
        duel("A", "B", None, 4, failed=True),
        duel("A", "B", "", 4, failed=True),  # a failed duel row may hold no result
        duel("A", "B", ERROR, 4, failed=True),
        duel("A", "B", ERROR, 4),  # OTHER_ERROR: the duel is ERROR, a failed duel
        duel("A", "B", PLAYER_1_WIN, 4, failed=True),  # failed wins over any result
    ],
)
def test_a_failed_duel_is_a_draw_with_the_scores_it_reached(outcome):
    a, b = sorted(standings(["A", "B"], [outcome]), key=lambda s: s.participant)
    assert (a.wins, a.losses, a.draws, a.points, a.total_score) == (0, 0, 1, 1, 4)
    assert (b.wins, b.losses, b.draws, b.points, b.total_score) == (0, 0, 1, 1, -4)
    assert (a.rank, b.rank) == (1, 2)  # same points and wins: the score reached decides


def test_a_failed_duel_without_scores_counts_zero():
    outcome = DuelOutcome("A", "B", None, True, None, None)
    assert [(s.draws, s.total_score) for s in standings(["A", "B"], [outcome])] == [(1, 0), (1, 0)]


def test_unfinished_duels_count_for_nothing_yet():
    outcomes = [duel("A", "B", PLAYER_1_WIN, 10), duel("B", "C", None, 7), duel("A", "C", None)]
    table = {s.participant: s for s in standings(["A", "B", "C"], outcomes)}
    # Provisional: C has not finished a duel and is still listed, ahead of B's negative score.
    assert {p: s.rank for p, s in table.items()} == {"A": 1, "C": 2, "B": 3}
    assert (table["C"].wins, table["C"].losses, table["C"].draws, table["C"].points) == (0, 0, 0, 0)
    assert table["C"].total_score == 0
    assert table["B"].total_score == -10
    assert ratings(["A", "B", "C"], outcomes)["C"] == ratings(["C"], [])["C"]


def test_standings_refuse_unknown_input():
    with pytest.raises(ValueError):
        standings(["A", "B"], [duel("A", "Z", DRAW)])
    with pytest.raises(ValueError):
        standings(["A", "A"], [])
    with pytest.raises(ValueError):
        standings(["A", "B"], [duel("A", "B", "PLAYER_3_WIN")])


# --- tournament state ---


@pytest.mark.parametrize(
    "outcomes, expected",
    [
        ([duel("A", "B", PLAYER_1_WIN), duel("B", "C", DRAW)], COMPLETED),
        ([duel("A", "B", PLAYER_1_WIN), duel("B", "C", None)], RUNNING),
        ([duel("A", "B", None, failed=True), duel("B", "C", None)], RUNNING),
        ([duel("A", "B", None, failed=True), duel("B", "C", PLAYER_2_WIN)], FAILED),
        ([duel("A", "B", ERROR), duel("B", "C", PLAYER_2_WIN)], FAILED),
        ([duel("A", "B", None), duel("B", "C", None)], RUNNING),
    ],
    ids=["all done", "one running", "failed but one running", "failed", "error", "none done"],
)
def test_tournament_state(outcomes, expected):
    assert tournament_state(outcomes) == expected


# --- rating ---


def test_the_player_who_wins_all_its_duels_has_the_highest_mu():
    players = list("ABCDE")
    outcomes = []
    for round_ in round_robin(players):
        for one, two in round_:
            if "C" in (one, two):
                outcomes.append(duel(one, two, PLAYER_1_WIN if one == "C" else PLAYER_2_WIN))
            else:
                outcomes.append(duel(one, two, DRAW))
    table = standings(players, outcomes)
    best = max(table, key=lambda s: s.rating_mu)
    assert best.participant == "C"
    assert best.rank == 1
    assert all(s.rating_mu < best.rating_mu for s in table if s is not best)
    assert all(s.rating == pytest.approx(s.rating_mu - 3 * s.rating_sigma) for s in table)


def test_rating_orders_a_beats_b_beats_c_beats_nobody():
    outcomes = [
        duel("A", "B", PLAYER_1_WIN, 10),
        duel("B", "C", PLAYER_1_WIN, 5),
        duel("C", "A", PLAYER_2_WIN, -1),
    ]
    table = standings(["C", "B", "A"], outcomes)
    assert [s.participant for s in table] == ["A", "B", "C"]
    assert [s.rank for s in table] == [1, 2, 3]
    mu = {s.participant: s.rating_mu for s in table}
    assert mu["A"] > mu["B"] > mu["C"]
    rating = {s.participant: s.rating for s in table}
    assert rating["A"] > rating["B"] > rating["C"]


def test_a_draw_is_a_tie_and_unplayed_keep_the_initial_rating():
    rated = ratings(["A", "B", "C"], [duel("A", "B", DRAW), duel("A", "B", None, failed=True)])
    assert rated["A"][0] == pytest.approx(rated["B"][0]) == pytest.approx(rated["C"][0])
    assert rated["A"][1] < rated["C"][1]  # played: less uncertain


def test_rating_follows_the_given_order():
    wins = [duel("A", "B", PLAYER_1_WIN), duel("A", "B", PLAYER_2_WIN)]
    early, late = ratings("AB", wins), ratings("AB", wins[::-1])
    assert early != late


# --- reuse ---


@pytest.mark.parametrize("count", range(2, 10))
def test_one_new_entrant_costs_one_duel_per_old_participant(count):
    old = list(NAMES[: count - 1])
    played = {frozenset(pair): f"duel {pair}" for r in round_robin(old) for pair in r}
    pairs = [pair for r in round_robin([*old, "new"]) for pair in r]

    reused, new = duels_to_play(pairs, played)

    assert len(new) == count - 1
    assert all("new" in pair for pair in new)
    assert len(reused) == len(played)
    assert {played[frozenset(pair)] for pair, _ in reused} == {d for _, d in reused}


def test_reuse_ignores_who_was_player_1_and_can_map_participants_to_keys():
    pairs = [(("A", 1), ("B", 2)), (("A", 1), ("C", 3))]
    reused, new = duels_to_play(pairs, {frozenset((2, 1)): "old"}, key=lambda p: p[1])
    assert reused == [((("A", 1), ("B", 2)), "old")]
    assert new == [(("A", 1), ("C", 3))]
