"""The early-stop rule (run_duel/stopping.py): when a duel may end before its last match."""

from __future__ import annotations

import random

import pytest

from run_duel import run_duel
from run_duel.outcomes import duel_result
from run_duel.players import load_player
from run_duel.stopping import (
    DECIDED,
    OFF,
    SPRT,
    Stopping,
    decided,
    describe,
    llr,
    replay,
)
from tests.conftest import EXAMPLE_PLAYERS

P1, P2, D = "PLAYER_1_WIN", "PLAYER_2_WIN", "DRAW"
E1, E2, ARENA = "PLAYER_1_ERROR", "PLAYER_2_ERROR", "OTHER_ERROR"


def _tally(**counts: int) -> dict[str, int]:
    tally = dict.fromkeys(
        ["player_1_wins", "player_2_wins", "draws", "player_1_errors", "player_2_errors"], 0
    )
    tally["other_errors"] = 0
    tally.update(counts)
    return tally


@pytest.mark.parametrize(
    ("counts", "remaining", "expected"),
    [
        ({"player_1_wins": 5}, 4, True),  # 5 > 4: even 4 wins only bring player 2 to 4
        ({"player_1_wins": 4}, 4, False),  # 4 wins level the points: the score would decide
        ({"player_1_wins": 3, "player_2_wins": 1}, 1, True),
        ({"player_1_wins": 3, "player_2_wins": 1}, 2, False),
        # Effective wins: the opponent's errors count, the player's own errors do not.
        ({"player_1_wins": 1, "player_2_errors": 3}, 3, True),
        ({"player_1_wins": 4, "player_1_errors": 3}, 0, True),
        ({"player_1_wins": 4, "player_1_errors": 3}, 1, False),
        ({"player_2_wins": 2, "player_1_errors": 1}, 2, True),
        # Draws move nothing: an even duel is decided only when no match remains.
        ({"draws": 10}, 1, False),
        ({"draws": 10}, 0, True),
        ({"player_1_wins": 3, "player_2_wins": 3, "draws": 2}, 0, True),
        ({"player_1_wins": 3, "player_2_wins": 3, "draws": 2}, 2, False),
        # An arena error is never "decided": that duel is played again.
        ({"player_1_wins": 9, "other_errors": 1}, 1, False),
    ],
)
def test_decided_exactly_when_the_trailer_cannot_catch_up(counts, remaining, expected):
    assert decided(_tally(**counts), remaining) is expected


def _full_tally(results: list[str]) -> dict[str, float]:
    counter = {P1: "player_1_wins", P2: "player_2_wins", D: "draws"}
    counter |= {E1: "player_1_errors", E2: "player_2_errors", ARENA: "other_errors"}
    tally: dict[str, float] = {**_tally(), "player_1_score": 0.0, "player_2_score": 0.0}
    for result in results:
        tally[counter[result]] += 1
    return tally


def test_decided_stops_at_the_first_match_that_settles_it():
    # Player 1 wins every match of 10: after 6 wins with 4 left the result is settled.
    played, why, tally = replay(Stopping(DECIDED), [P1] * 10, 10)
    assert (played, why) == (6, DECIDED)
    assert tally["player_1_wins"] == 6
    # With draws in between it takes longer: W D W D W D W (lead 4 with 3 left).
    played, why, _ = replay(Stopping(DECIDED), [P1, D] * 5, 10)
    assert (played, why) == (7, DECIDED)
    # Errors count for the innocent side.
    played, why, _ = replay(Stopping(DECIDED), [E2] * 10, 10)
    assert (played, why) == (6, DECIDED)


def test_decided_never_stops_while_the_result_could_change():
    rng = random.Random(12)
    for _ in range(300):
        total = rng.randrange(1, 30)
        results = rng.choices([P1, P2, D, E1, E2], weights=[5, 2, 2, 1, 1], k=total)
        played, why, tally = replay(Stopping(DECIDED), results, total)
        if why is None:
            assert played == total
            continue
        assert why == DECIDED and played < total
        # Whatever the rest of the duel had been, the result would be the same.
        stopped = duel_result({**tally, "player_1_score": 0, "player_2_score": 0})
        for rest in ([P1], [P2], [D]):
            full = results[:played] + rest * (total - played)
            assert duel_result(_full_tally(full)) == stopped
        assert duel_result(_full_tally(results)) == stopped


def test_off_plays_everything():
    assert replay(Stopping(OFF), [P1] * 10, 10)[:2] == (10, None)
    assert replay(Stopping(), [P1] * 10, 10)[:2] == (10, None)


def test_an_even_duel_is_never_stopped_early():
    played, why, _ = replay(Stopping(SPRT), [D] * 1000, 1000)
    assert (played, why) == (1000, None)
    # Each player winning when it starts: every pair is even.
    played, why, _ = replay(Stopping(SPRT), [P1, P2] * 500, 1000)
    assert (played, why) == (1000, None)


def test_sprt_stops_a_lopsided_duel_early():
    played, why, tally = replay(Stopping(SPRT), [P1] * 1000, 1000)
    assert why == SPRT and played < 300
    assert played % 2 == 0  # at a pair boundary
    rng = random.Random(3)
    results = rng.choices([P2, D, P1], weights=[8, 1, 1], k=1000)
    played, why, tally = replay(Stopping(SPRT), results, 1000)
    assert why == SPRT and played < 400
    assert tally["player_2_wins"] > tally["player_1_wins"]


def test_sprt_respects_its_minimum_matches():
    played, why, _ = replay(Stopping(SPRT, min_matches=400), [P1] * 1000, 1000)
    assert (played, why) == (400, SPRT)


def test_sprt_mostly_plays_on_when_the_players_are_even():
    # Coin-flip matches: the test rarely stops, late, and never against the full duel's result.
    rng = random.Random(5)
    stops = 0
    for _ in range(40):
        results = rng.choices([P1, P2, D], k=1000)
        played, why, tally = replay(Stopping(SPRT), results, 1000)
        if why == SPRT:
            stops += 1
            assert played > 300
            stopped = duel_result({**tally, "player_1_score": 0, "player_2_score": 0})
            assert stopped == duel_result(_full_tally(results))
    assert stops <= 3


def test_sprt_never_stops_for_the_side_that_is_behind():
    # Lopsided bounds put the test's midpoint at a score of about 0.7: player 1, ahead all along
    # with 0.625, looks like "player 2 better by 5 Elo" to it. The test leans to player 2, who
    # is behind, so only the decided rule may end this duel.
    stopping = Stopping(SPRT, elo0=-5, elo1=400)
    assert llr([0, 0, 10, 10, 0], stopping.elo0, stopping.elo1) < 0
    played, why, tally = replay(stopping, [P1, P2, P1, D] * 250, 1000)
    assert why == DECIDED and tally["player_1_wins"] > tally["player_2_wins"]
    assert played > 600


def test_llr_signs_and_symmetry():
    assert llr([0, 0, 0, 0, 0], -20, 20) == 0
    assert llr([0, 0, 10, 0, 0], -20, 20) == pytest.approx(0, abs=1e-9)
    ahead = llr([1, 2, 10, 20, 10], -20, 20)
    behind = llr([10, 20, 10, 2, 1], -20, 20)
    assert ahead > 0 and behind == pytest.approx(-ahead)
    assert llr({1.0: 10}, -20, 20) == llr([0, 0, 0, 0, 10], -20, 20)


@pytest.mark.parametrize(
    "kwargs", [{"mode": "maybe"}, {"alpha": 0}, {"beta": 0.6}, {"elo0": 5}, {"min_matches": -1}]
)
def test_parameters_are_checked(kwargs):
    with pytest.raises(ValueError):
        Stopping(**kwargs)


def test_describe():
    assert describe(1000, 1000, None) is None
    assert describe(38, 1000, DECIDED).startswith("stopped after 38 of 1000 matches: decided")


def test_a_duel_stops_early_in_process():
    minimax = load_player(EXAMPLE_PLAYERS / "minimax", label="player 1")
    dummy = load_player(EXAMPLE_PLAYERS / "dummy", label="player 2")
    record = run_duel("tic-tac-toe", minimax, dummy, 40, stopping=Stopping(DECIDED))
    # Perfect play beats the first-free-cell player every match: 21 wins settle 40 matches.
    assert record["num_matches"] == 40
    assert record["matches_played"] == len(record["matches"]) == 21
    assert record["stopped"] == DECIDED
    assert record["stopped_because"].startswith("stopped after 21 of 40 matches")
    assert record["result"] == "PLAYER_1_WIN" and record["player_1_wins"] == 21


def test_a_duel_without_stopping_plays_every_match():
    dummy = load_player(EXAMPLE_PLAYERS / "dummy")
    minimax = load_player(EXAMPLE_PLAYERS / "minimax")
    record = run_duel("tic-tac-toe", minimax, dummy, 12)
    assert record["matches_played"] == len(record["matches"]) == 12
    assert record["stopped"] is None and record["stopped_because"] is None
