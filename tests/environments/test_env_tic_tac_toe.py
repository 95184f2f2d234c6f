"""Tic-tac-toe rules, table-driven (see docs/rules.md and environments/tic_tac_toe)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import environments
from environments import InvalidActionError
from environments.tic_tac_toe import TicTacToe

MARKS = {"X": 1.0, "O": -1.0, ".": 0.0}


def board(rows: str) -> list[float]:
    """'XO./.X./..O' -> the 9 cells, X = first mover (1), O = second (-1)."""
    cells = rows.replace("/", "")
    assert len(cells) == 9
    return [MARKS[c] for c in cells]


# (name, moves, board after them, entry 9 after them, reward of the last move, done)
RULES = [
    ("start", [], ".../.../...", 1, 0.0, False),
    ("first move", [4], ".../.X./...", -1, 0.0, False),
    ("second move", [4, 0], "O../.X./...", 1, 0.0, False),
    ("top row", [0, 3, 1, 4, 2], "XXX/OO./...", 1, 1.0, True),
    ("middle row", [3, 0, 4, 1, 5], "OO./XXX/...", 1, 1.0, True),
    ("bottom row", [6, 0, 7, 1, 8], "OO./.../XXX", 1, 1.0, True),
    ("left column", [0, 1, 3, 2, 6], "XOO/X../X..", 1, 1.0, True),
    ("middle column", [1, 0, 4, 2, 7], "OXO/.X./.X.", 1, 1.0, True),
    ("right column", [2, 0, 5, 1, 8], "OOX/..X/..X", 1, 1.0, True),
    ("main diagonal", [0, 1, 4, 2, 8], "XOO/.X./..X", 1, 1.0, True),
    ("anti diagonal", [2, 0, 4, 1, 6], "OOX/.X./X..", 1, 1.0, True),
    ("second mover wins", [0, 3, 1, 4, 8, 5], "XX./OOO/..X", -1, 1.0, True),
    ("draw", [0, 1, 2, 4, 3, 5, 7, 6, 8], "XOX/XOO/OXX", 1, 0.0, True),
    ("win on the last cell", [0, 1, 2, 3, 4, 5, 7, 6, 8], "XOX/OXO/OXX", 1, 1.0, True),
]


def _play(moves: list[int]) -> tuple[TicTacToe, list[float]]:
    game = TicTacToe()
    rewards = [game.play(move) for move in moves]
    return game, rewards


@pytest.mark.parametrize(
    ("moves", "rows", "mark", "reward", "done"),
    [row[1:] for row in RULES],
    ids=[row[0] for row in RULES],
)
def test_rules(moves: list[int], rows: str, mark: int, reward: float, done: bool) -> None:
    game, rewards = _play(moves)
    expected_state = [*board(rows), float(mark)]
    assert game.state() == expected_state
    assert game.done is done
    assert rewards[:-1] == [0.0] * (len(moves) - 1)  # non-zero only on the last move
    if moves:
        assert rewards[-1] == reward
    empty = tuple(i for i, value in enumerate(board(rows)) if value == 0)
    assert game.legal_actions() == (() if done else empty)
    # to_move follows the state's entry 9, which does not flip on the final move.
    assert game.to_move == (0 if mark == 1 else 1)

    env = environments.load("tic-tac-toe")
    state, valid = env.reset()
    step_reward = None
    for move in moves:
        state, step_reward, step_done, valid = env.step(move)
    assert state.dtype == np.float64 and state.tolist() == expected_state
    assert valid.dtype == np.int64 and valid.tolist() == list(game.legal_actions())
    if moves:
        assert step_reward == reward and step_done is done


# (name, moves before, action, reason)
INVALID = [
    ("taken cell", [4], 4, "cell 4 is taken"),
    ("taken by the opponent", [4, 0], 0, "cell 0 is taken"),
    ("beyond the board", [], 9, "there is no cell 9 (cells are 0-8)"),
    ("negative", [], -1, "there is no cell -1 (cells are 0-8)"),
    ("huge", [], 10**20, f"there is no cell {10**20} (cells are 0-8)"),
    ("string", [], "4", "it is not an integer"),
    ("fraction", [], 2.5, "it is not an integer"),
    ("none", [], None, "it is not an integer"),
    ("list", [], [4], "it is not an integer"),
    ("after a win", [0, 3, 1, 4, 2], 5, "the game is over"),
    ("after a draw", [0, 1, 2, 4, 3, 5, 7, 6, 8], 0, "the game is over"),
]


@pytest.mark.parametrize(
    ("moves", "action", "reason"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_actions(moves: list[int], action: Any, reason: str) -> None:
    game, _ = _play(moves)
    before = (game.state(), game.legal_actions(), game.done, game.to_move)
    with pytest.raises(InvalidActionError) as caught:
        game.play(action)
    assert caught.value.reason == reason
    assert caught.value.action == action
    assert caught.value.slug == "tic-tac-toe"
    assert (game.state(), game.legal_actions(), game.done, game.to_move) == before

    env = environments.load("tic-tac-toe")
    for move in moves:
        env.step(move)
    with pytest.raises(InvalidActionError) as caught:
        env.step(action)
    assert caught.value.reason == reason
    assert env.to_jsonable() == before[0]


def test_message_is_a_sentence_for_the_participant() -> None:
    with pytest.raises(InvalidActionError) as caught:
        TicTacToe().play(9)
    assert str(caught.value) == (
        "action 9 is not valid in tic-tac-toe: there is no cell 9 (cells are 0-8)"
    )
    with pytest.raises(InvalidActionError) as caught:
        TicTacToe().play("9")
    assert str(caught.value) == "action '9' is not valid in tic-tac-toe: it is not an integer"


@pytest.mark.parametrize(
    "action", [np.int64(4), np.int32(4), 4.0, np.float64(4.0), np.float32(4.0), np.array(4)]
)
def test_environment_accepts_int_like_actions(action: Any) -> None:
    env = environments.load("tic-tac-toe")
    state, _, _, valid = env.step(action)
    assert state[4] == 1.0
    assert 4 not in valid.tolist()


@pytest.mark.parametrize(
    "action", ["4", 4.5, float("nan"), float("inf"), np.float64(4.5), [4], np.array([4]), None]
)
def test_environment_refuses_non_integers(action: Any) -> None:
    env = environments.load("tic-tac-toe")
    with pytest.raises(InvalidActionError) as caught:
        env.step(action)
    assert caught.value.reason == "it is not an integer"
    assert env.to_jsonable() == [0.0] * 9 + [1.0]


def test_marks_bitmasks() -> None:
    game, _ = _play([4, 0, 8])
    assert game.marks == ((1 << 4) | (1 << 8), 1 << 0)
