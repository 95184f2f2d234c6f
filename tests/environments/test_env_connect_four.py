"""Connect-four rules, table-driven (see docs/rules.md and environments/connect_four)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import environments
from environments import InvalidActionError
from environments.connect_four import ConnectFour

MARKS = {"X": 1.0, "O": -1.0, ".": 0.0}
EMPTY_ROW = "......."


def grid(*rows: str) -> list[float]:
    """The bottom rows of the grid, top first ("X" first mover, "O" second);
    missing rows above are empty."""
    full = [EMPTY_ROW] * (6 - len(rows)) + list(rows)
    assert all(len(row) == 7 for row in full)
    return [MARKS[c] for row in full for c in row]


DRAW_MOVES = [3, 4, 4, 6, 0, 3, 5, 2, 6, 5, 0, 6, 5, 0, 3, 6, 5, 6, 1, 3, 1,
              3, 6, 5, 2, 0, 5, 3, 4, 4, 0, 1, 1, 1, 0, 1, 4, 2, 4, 2, 2, 2]  # fmt: skip

# (name, moves, grid after them, entry 42 after them, reward of the last move, done)
# fmt: off
RULES = [
    ("start", [], grid(), 1, 0.0, False),
    ("a disc falls to the bottom", [3], grid("...X..."), -1, 0.0, False),
    ("discs stack", [3, 3, 3], grid("...X...", "...O...", "...X..."), -1, 0.0, False),
    (
        "horizontal",
        [0, 0, 1, 1, 2, 2, 3],
        grid("OOO....", "XXXX..."),
        1, 1.0, True,
    ),
    (
        "horizontal at the right edge",
        [6, 6, 5, 5, 4, 4, 3],
        grid("....OOO", "...XXXX"),
        1, 1.0, True,
    ),
    (
        "vertical",
        [0, 1, 0, 1, 0, 1, 0],
        grid("X......", "XO.....", "XO.....", "XO....."),
        1, 1.0, True,
    ),
    (
        "vertical up to the top",
        [0, 1, 0, 0, 1, 0, 2, 0, 2, 0],
        grid("O......", "O......", "O......", "O......", "XXX....", "XOX...."),
        -1, 1.0, True,
    ),
    (
        "rising diagonal",
        [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3],
        grid("...X...", "..XX...", ".XXO...", "XOOO..O"),
        1, 1.0, True,
    ),
    (
        "falling diagonal",
        [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3],
        grid("...X...", "...XX..", "...OXX.", "O..OOOX"),
        1, 1.0, True,
    ),
    (
        "second mover wins",
        [0, 6, 1, 6, 0, 6, 1, 6],
        grid("......O", "......O", "XX....O", "XX....O"),
        -1, 1.0, True,
    ),
    (
        "no wrap from the top of a column to the next",
        [0, 1, 0, 0, 0, 0, 1, 2, 0],
        # X at the top three cells of column 0 and the bottom of column 1 -> no win
        grid("X......", "O......", "X......", "O......", "XX.....", "XOO...."),
        -1, 0.0, False,
    ),
    (
        "three in a diagonal is not a win",
        [0, 1, 1, 2, 2, 3, 2],
        grid("..X....", ".XX....", "XOOO..."),
        -1, 0.0, False,
    ),
    (
        "full grid is a draw",
        DRAW_MOVES,
        grid("XOOOXXX", "XOXOXOO", "OXOOOXO", "OOOXXXO", "XXXOXOX", "XXOXOXO"),
        -1, 0.0, True,
    ),
]
# fmt: on


def _play(moves: list[int]) -> tuple[ConnectFour, list[float]]:
    game = ConnectFour()
    rewards = [game.play(move) for move in moves]
    return game, rewards


@pytest.mark.parametrize(
    ("moves", "cells", "mark", "reward", "done"),
    [row[1:] for row in RULES],
    ids=[row[0] for row in RULES],
)
def test_rules(moves: list[int], cells: list[float], mark: int, reward: float, done: bool) -> None:
    game, rewards = _play(moves)
    expected_state = [*cells, float(mark)]
    assert game.state() == expected_state
    assert game.done is done
    assert rewards[:-1] == [0.0] * (len(moves) - 1)
    if moves:
        assert rewards[-1] == reward
    open_columns = tuple(col for col in range(7) if cells[col] == 0.0)
    assert game.legal_actions() == (() if done else open_columns)
    assert game.to_move == (0 if mark == 1 else 1)

    env = environments.load("connect-four")
    state, valid = env.reset()
    for move in moves:
        state, step_reward, _, valid = env.step(move)
        assert type(step_reward) is float
    assert state.dtype == np.float64 and state.tolist() == expected_state
    assert valid.dtype == np.int64 and valid.tolist() == list(game.legal_actions())


FULL_COLUMN = [0, 0, 0, 0, 0, 0]

# (name, moves before, action, reason)
INVALID = [
    ("full column", FULL_COLUMN, 0, "column 0 is full"),
    ("column beyond the grid", [], 7, "there is no column 7 (columns are 0-6)"),
    ("negative column", [], -1, "there is no column -1 (columns are 0-6)"),
    ("string", [], "3", "it is not an integer"),
    ("fraction", [], 3.5, "it is not an integer"),
    ("after a win", [0, 0, 1, 1, 2, 2, 3], 4, "the game is over"),
    ("after a draw", DRAW_MOVES, 0, "the game is over"),
]


@pytest.mark.parametrize(
    ("moves", "action", "reason"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_actions(moves: list[int], action: Any, reason: str) -> None:
    game, _ = _play(moves)
    before = (game.state(), game.legal_actions(), game.done, game.to_move, game.heights)
    with pytest.raises(InvalidActionError) as caught:
        game.play(action)
    assert caught.value.reason == reason
    assert str(caught.value) == f"action {action!r} is not valid in connect-four: {reason}"
    assert (game.state(), game.legal_actions(), game.done, game.to_move, game.heights) == before

    env = environments.load("connect-four")
    for move in moves:
        env.step(move)
    with pytest.raises(InvalidActionError) as caught:
        env.step(action)
    assert caught.value.reason == reason


def test_full_column_leaves_the_others_playable() -> None:
    game, _ = _play(FULL_COLUMN)
    assert game.legal_actions() == (1, 2, 3, 4, 5, 6)
    assert game.heights == (6, 0, 0, 0, 0, 0, 0)
    env = environments.load("connect-four")
    for move in FULL_COLUMN:
        _, _, _, valid = env.step(move)
    assert valid.tolist() == [1, 2, 3, 4, 5, 6]
