"""A human is one more player handle: the match engine plays a human match like any other."""

from __future__ import annotations

import time

import pytest

import environments
from run_duel import InProcessPlayer, play_match
from run_duel.human import NOT_A_MOVE, HumanLeft, HumanPlayer
from run_duel.outcomes import (
    AGENT_ERROR,
    AGENT_WIN,
    ARENA_ERROR,
    DRAW,
    HUMAN_WIN,
    OTHER_ERROR,
    PLAYER_1_ERROR,
    PLAYER_1_WIN,
    PLAYER_2_ERROR,
    PLAYER_2_WIN,
    human_result,
)


class FirstValid:
    def start(self, state, valid_actions):
        return int(valid_actions[0])

    def step(self, state, valid_actions, prev_reward):
        return int(valid_actions[0])

    def end(self, state, prev_reward):
        pass


def messages(*items):
    """A receive callable handing out ``items`` in order, then timing out."""
    pending = list(items)
    waits = []

    def receive(timeout):
        waits.append(timeout)
        if not pending:
            return None
        item = pending.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    receive.waits = waits
    return receive


def _match(receive, human_first=True, idle_timeout=5.0):
    return play_match(
        environments.new_game("tic-tac-toe"),
        HumanPlayer(receive, idle_timeout),
        InProcessPlayer(FirstValid(), label="the agent"),
        player_1_starts=human_first,
    )


def test_the_human_wins_with_the_moves_it_sends():
    # The agent plays the first free cell: 1, 2, ... The human takes the left column.
    record = _match(messages(0, 3, 6))
    assert record["result"] == PLAYER_1_WIN
    assert record["first_player"] == "PLAYER_1"
    assert record["states"][-1][:9] == [1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_moves_that_are_not_valid_now_are_ignored_and_the_wait_goes_on():
    receive = messages(NOT_A_MOVE, 9, "4", True, 0, 3, 6)
    record = _match(receive)
    assert record["result"] == PLAYER_1_WIN
    assert len(record["states"]) == 6  # only the three valid moves of the human were played


def test_the_agent_may_start():
    # The agent takes 0, 1, 3 (the first free cells); the human 4, 2, 6: a diagonal.
    record = _match(messages(4, 2, 6), human_first=False)
    assert record["first_player"] == "PLAYER_2"
    assert record["states"][1][0] == 1.0  # the agent took cell 0 first
    assert record["result"] == PLAYER_1_WIN


def test_a_human_who_leaves_fails_the_match_as_its_side():
    record = _match(messages(0, HumanLeft()))
    assert record["result"] == PLAYER_1_ERROR
    assert record["error_msg"].startswith("the human left the match")
    assert human_result(record["result"], human_is_player_1=True) is None


def test_a_human_who_makes_no_move_in_time_fails_the_match():
    started = time.monotonic()
    record = _match(messages(), idle_timeout=0.05)
    assert record["result"] == PLAYER_1_ERROR
    assert "made no move for 0.05 s" in record["error_msg"]
    assert time.monotonic() - started < 5


def test_the_idle_timeout_runs_from_the_start_of_each_wait():
    receive = messages(NOT_A_MOVE, NOT_A_MOVE)
    _match(receive, idle_timeout=30.0)
    waits = receive.waits
    assert 29 < waits[0] <= 30 and waits[1] <= waits[0] and waits[-1] <= waits[0]


@pytest.mark.parametrize(
    ("result", "human_is_player_1", "told"),
    [
        (PLAYER_1_WIN, True, HUMAN_WIN),
        (PLAYER_2_WIN, True, AGENT_WIN),
        (PLAYER_1_WIN, False, AGENT_WIN),
        (PLAYER_2_WIN, False, HUMAN_WIN),
        (DRAW, True, DRAW),
        (PLAYER_2_ERROR, True, AGENT_ERROR),
        (PLAYER_1_ERROR, False, AGENT_ERROR),
        (PLAYER_1_ERROR, True, None),
        (PLAYER_2_ERROR, False, None),
        (OTHER_ERROR, True, ARENA_ERROR),
    ],
)
def test_a_result_told_from_the_humans_side(result, human_is_player_1, told):
    assert human_result(result, human_is_player_1) == told
