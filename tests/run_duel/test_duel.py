"""The duel rules of docs/rules.md, and the duel record's format."""

from __future__ import annotations

import pytest

from run_duel import ArenaError, InProcessPlayer, run_duel
from run_duel.outcomes import duel_result
from run_duel.players import load_player
from tests.conftest import EXAMPLE_PLAYERS

RECORD_KEYS = {
    "environment",
    "rules_version",
    "result",
    "error_msg",
    "num_matches",
    "player_1_errors",
    "player_2_errors",
    "other_errors",
    "player_1_wins",
    "player_2_wins",
    "draws",
    "player_1_score",
    "player_2_score",
    "matches",
    "seed",  # added (run_duel.seeds): the duel's seed, for arena rerun
}


def _tally(**counts):
    tally = dict.fromkeys(
        [
            "player_1_errors",
            "player_2_errors",
            "other_errors",
            "player_1_wins",
            "player_2_wins",
            "draws",
        ],
        0,
    )
    tally.update(player_1_score=0, player_2_score=0)
    tally.update(counts)
    return tally


@pytest.mark.parametrize(
    ("counts", "result"),
    [
        ({"player_1_wins": 3, "player_2_wins": 1}, "PLAYER_1_WIN"),
        ({"player_1_wins": 1, "player_2_wins": 3}, "PLAYER_2_WIN"),
        ({"player_1_wins": 2, "player_2_wins": 2}, "DRAW"),
        # Effective wins: the opponent's errors count as wins.
        ({"player_1_wins": 1, "player_2_errors": 2, "player_2_wins": 2}, "PLAYER_1_WIN"),
        # Equal points: the total score decides.
        (
            {"player_1_wins": 2, "player_2_wins": 2, "player_1_score": 10, "player_2_score": -10},
            "PLAYER_1_WIN",
        ),
        (
            {"player_1_wins": 2, "player_2_wins": 2, "player_1_score": -1, "player_2_score": 1},
            "PLAYER_2_WIN",
        ),
        # Any arena error makes the duel an error, whatever else happened.
        ({"player_1_wins": 9, "other_errors": 1}, "ERROR"),
        ({"draws": 4}, "DRAW"),
    ],
)
def test_it_decides_the_duel_result(counts, result):
    assert duel_result(_tally(**counts)) == result


def test_it_plays_pairs_and_counts_everything():
    random_player = load_player(EXAMPLE_PLAYERS / "random", label="player 1")
    dummy = load_player(EXAMPLE_PLAYERS / "dummy", label="player 2")
    progress = []
    record = run_duel(
        "connect-four",
        random_player,
        dummy,
        6,
        progress=lambda done, total, tally: progress.append(done),
    )
    assert set(record) == RECORD_KEYS
    assert record["num_matches"] == len(record["matches"]) == 6
    assert [m["first_player"] for m in record["matches"]] == ["PLAYER_1", "PLAYER_2"] * 3
    assert progress == [1, 2, 3, 4, 5, 6]
    results = [m["result"] for m in record["matches"]]
    assert record["player_1_wins"] == results.count("PLAYER_1_WIN")
    assert record["player_2_wins"] == results.count("PLAYER_2_WIN")
    assert record["draws"] == results.count("DRAW")
    assert record["player_1_score"] == sum(m["player_1_score"] for m in record["matches"])
    assert record["player_1_score"] == -record["player_2_score"]
    assert record["environment"] == "connect-four" and record["rules_version"] >= 1


def test_it_defaults_to_the_games_duel_length():
    dummy = load_player(EXAMPLE_PLAYERS / "dummy")
    record = run_duel("tic-tac-toe", dummy, dummy)
    assert record["num_matches"] == 1000
    # dummy against itself plays the same match every time: first mover wins down the left.
    assert record["player_1_wins"] == record["player_2_wins"] == 500
    assert record["result"] == "DRAW"


def test_an_arena_error_stops_the_duel():
    class FailsSecondMatch:
        label = "player 2"

        def __init__(self):
            self.starts = 0

        def start(self, state, valid_actions):
            self.starts += 1
            if self.starts == 2:
                raise ArenaError("lost the Docker daemon")
            return int(valid_actions[0])

        def step(self, state, valid_actions, prev_reward):
            return int(valid_actions[0])

        def end(self, state, prev_reward):
            pass

    record = run_duel("tic-tac-toe", load_player(EXAMPLE_PLAYERS / "dummy"), FailsSecondMatch(), 10)
    assert record["result"] == "ERROR"
    assert record["other_errors"] == 1
    assert len(record["matches"]) == 2
    assert "lost the Docker daemon" in record["error_msg"]


def test_in_process_players_never_restart():
    assert InProcessPlayer.restartable is False


class _Loud:
    """Fails every move with a 1 MB message."""

    def __init__(self, train_mode: bool = False) -> None:
        pass

    def start(self, state, valid_actions):
        raise ValueError("E" * (1 << 20))

    step = start

    def end(self, state, prev_reward):
        pass


def test_it_keeps_the_record_small_whatever_the_errors_say():
    import json

    from run_duel.duel import ERROR_TEXT_BUDGET

    loud = InProcessPlayer(_Loud(), label="player 1")
    record = run_duel("tic-tac-toe", loud, load_player(EXAMPLE_PLAYERS / "random"), 200)
    assert record["player_1_errors"] == 200
    errors = [m["error_msg"] for m in record["matches"]]
    assert sum(map(len, errors)) < ERROR_TEXT_BUDGET + 200 * 300
    assert len(json.dumps(record)) < 200_000
    assert errors[-1].startswith("player 1 raised ValueError: EEE")  # still says what and who


def test_it_calls_the_keepalive_on_every_move_and_stops_when_it_raises():
    from run_duel.errors import DuelAborted

    calls = []

    def keepalive():
        calls.append(1)
        if len(calls) == 30:
            raise DuelAborted

    random = EXAMPLE_PLAYERS / "random"
    with pytest.raises(DuelAborted):
        run_duel("tic-tac-toe", load_player(random), load_player(random), 100, keepalive=keepalive)
    assert len(calls) == 30


def test_the_time_limit_covers_the_slowest_honest_duel():
    from run_duel.duel import duel_time_limit

    # 500 Connect Four matches, 42 plies and two end() calls each at 10 s, and six start-ups.
    assert duel_time_limit("connect-four") == 500 * 44 * 10 + 6 * 60
    assert duel_time_limit("tic-tac-toe", 4, max_restarts=0) == 4 * 11 * 10 + 2 * 60
