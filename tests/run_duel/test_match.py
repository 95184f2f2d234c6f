"""Who is guilty, what the message says, what a match record holds (in-process players)."""

from __future__ import annotations

import numpy as np
import pytest

import environments
from run_duel import ArenaError, InProcessPlayer, play_match


class Scripted:
    """Plays the given actions in order; `fail` maps a call number to what to do instead."""

    def __init__(self, actions, fail=None):
        self.actions = list(actions)
        self.fail = fail or {}
        self.calls = 0
        self.ends = []

    def _next(self, valid_actions):
        self.calls += 1
        behaviour = self.fail.get(self.calls)
        if isinstance(behaviour, Exception):
            raise behaviour
        if behaviour is not None:
            return behaviour
        return self.actions.pop(0) if self.actions else int(valid_actions[0])

    def start(self, state, valid_actions):
        return self._next(valid_actions)

    def step(self, state, valid_actions, prev_reward):
        return self._next(valid_actions)

    def end(self, state, prev_reward):
        self.ends.append(prev_reward)
        if self.fail.get("end"):
            raise self.fail["end"]


def _match(p1, p2, starts=True, number=1):
    return play_match(
        environments.new_game("tic-tac-toe"),
        InProcessPlayer(p1, label="player 1"),
        InProcessPlayer(p2, label="player 2"),
        player_1_starts=starts,
        match_number=number,
    )


def test_it_records_a_win_with_scores_and_every_state():
    # Player 1 (first) takes the top row: 0, 1, 2; player 2 plays 3, 4.
    p1, p2 = Scripted([0, 1, 2]), Scripted([3, 4])
    record = _match(p1, p2)
    assert record["result"] == "PLAYER_1_WIN"
    assert (record["player_1_score"], record["player_2_score"]) == (1, -1)
    assert record["first_player"] == "PLAYER_1"
    assert len(record["states"]) == 6
    assert record["states"][-1][:3] == [1.0, 1.0, 1.0]
    assert p1.ends == [1.0] and p2.ends == [-1.0]


def test_it_lets_player_2_start_the_second_match_of_a_pair():
    p1, p2 = Scripted([3, 4]), Scripted([0, 1, 2])
    record = _match(p1, p2, starts=False, number=2)
    assert record["first_player"] == "PLAYER_2"
    assert record["result"] == "PLAYER_2_WIN"
    assert record["states"][1][0] == 1.0  # the first mover's mark is 1, whoever it is


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        ({2: ValueError("no idea")}, "player 1 raised ValueError: no idea in step() of match 1"),
        ({2: 4}, "player 1 chose action 4, which is not valid"),
        ({1: "four"}, "player 1 returned 'four' (str), not an integer, in start() of match 1"),
        ({1: 2.5}, "not an integer"),
    ],
)
def test_it_blames_the_player_to_act(fail, expected):
    p1, p2 = Scripted([0, 1, 2], fail=fail), Scripted([4, 5])
    record = _match(p1, p2)
    assert record["result"] == "PLAYER_1_ERROR"
    assert expected in record["error_msg"]


def test_it_accepts_int_like_actions():
    p1 = Scripted([np.int64(0), 1.0, np.array([2])])
    record = _match(p1, Scripted([3, 4]))
    assert record["result"] == "PLAYER_1_WIN"


def test_a_failing_end_is_that_players_error():
    p1, p2 = Scripted([0, 1, 2]), Scripted([3, 4], fail={"end": RuntimeError("disk full")})
    record = _match(p1, p2)
    assert record["result"] == "PLAYER_2_ERROR"
    assert "in end() of match 1" in record["error_msg"]
    assert (record["player_1_score"], record["player_2_score"]) == (1, -1)  # kept


def test_an_arena_failure_is_nobodys_fault():
    class Broken:
        label = "player 2"

        def start(self, state, valid_actions):
            raise ArenaError("the Docker daemon went away")

    record = play_match(
        environments.new_game("tic-tac-toe"),
        InProcessPlayer(Scripted([0]), label="player 1"),
        Broken(),
    )
    assert record["result"] == "OTHER_ERROR"
    assert "the Docker daemon went away" in record["error_msg"]
