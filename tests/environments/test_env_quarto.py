"""Quarto rules, table-driven (see docs/rules.md and environments/quarto)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import environments
from environments import InvalidActionError
from environments.quarto import Quarto


def actions(*placements: tuple[int, int], then: int) -> list[int]:
    """Actions placing pieces in order: ``(position, piece)`` pairs, the first piece
    being 15 (always the first to place); ``then`` is the piece handed last."""
    assert placements[0][1] == 15
    handed = [piece for _, piece in placements[1:]] + [then]
    return [16 * position + piece for (position, _), piece in zip(placements, handed, strict=True)]


def board(**pieces: int) -> list[int]:
    """16 positions, -1 but for ``p<position>=piece``."""
    cells = [-1] * 16
    for name, piece in pieces.items():
        cells[int(name[1:])] = piece
    return cells


# The first attribute shared: 8 (15, 8, 9, 10 all have bit 8).
ROW_HAS = actions((0, 15), (1, 8), (2, 9), (3, 10), then=0)
# Bit 1 lacking in all of 0, 2, 4, 6.
COLUMN_LACKS = actions((5, 15), (0, 0), (4, 2), (8, 4), (12, 6), then=1)
DIAGONAL = actions((0, 15), (5, 13), (10, 11), (15, 9), then=0)
ANTI_DIAGONAL = actions((0, 15), (3, 0), (6, 1), (9, 2), (12, 3), then=4)
# 15 and 0 share nothing, so this full row is no line.
ROW_NO_SHARED = actions((0, 15), (1, 0), (2, 1), (3, 2), then=4)
# Games recorded from the 2019 rules (golden/quarto.json.gz).
LAST_PIECE_LOSES = [122, 48, 246, 98, 75, 216, 23, 190, 133, 204, 237, 83, 153, 33, 164]
LAST_PIECE_DRAWS = [158, 52, 27, 234, 125, 5, 247, 65, 41, 82, 172, 96, 182, 136, 211]
FIFTEENTH_MOVE_WINS = [29, 248, 211, 78, 160, 90, 12, 103, 53, 137, 178, 116, 230, 145, 203]

# (name, actions, state after them, reward of the last move, done)
# fmt: off
RULES = [
    ("start", [], [*board(), 15], 0.0, False),
    ("first move", [16 * 5 + 3], [*board(p5=15), 3], 0.0, False),
    ("row sharing a set bit", ROW_HAS, [*board(p0=15, p1=8, p2=9, p3=10), 0], 100.0, True),
    (
        "column sharing a clear bit",
        COLUMN_LACKS,
        [*board(p5=15, p0=0, p4=2, p8=4, p12=6), 1],
        100.0, True,
    ),
    ("diagonal", DIAGONAL, [*board(p0=15, p5=13, p10=11, p15=9), 0], 100.0, True),
    (
        "anti-diagonal",
        ANTI_DIAGONAL,
        [*board(p0=15, p3=0, p6=1, p9=2, p12=3), 4],
        100.0, True,
    ),
    (
        "full line without a shared attribute",
        ROW_NO_SHARED,
        [*board(p0=15, p1=0, p2=1, p3=2), 4],
        0.0, False,
    ),
    (
        "last piece placed automatically completes a line: -100",
        LAST_PIECE_LOSES,
        [4, 8, 9, 10, 2, 13, 6, 15, 14, 3, 1, 7, 5, 11, 12, 0, 4],
        -100.0, True,
    ),
    (
        "last piece placed automatically, no line: draw",
        LAST_PIECE_DRAWS,
        [13, 4, 1, 14, 7, 9, 12, 10, 6, 15, 2, 0, 3, 8, 11, 5, 3],
        0.0, True,
    ),
    (
        "win on the 15th move: no automatic placement",
        FIFTEENTH_MOVE_WINS,
        [10, 15, -1, 7, 3, 0, 12, 2, 5, 6, 14, 9, 1, 8, 4, 13, 11],
        100.0, True,
    ),
]
# fmt: on


def _play(moves: list[int]) -> tuple[Quarto, list[float]]:
    game = Quarto()
    rewards = [game.play(move) for move in moves]
    return game, rewards


@pytest.mark.parametrize(
    ("moves", "state", "reward", "done"),
    [row[1:] for row in RULES],
    ids=[row[0] for row in RULES],
)
def test_rules(moves: list[int], state: list[int], reward: float, done: bool) -> None:
    game, rewards = _play(moves)
    assert game.state() == state
    assert game.done is done
    assert rewards[:-1] == [0.0] * (len(moves) - 1)
    if moves:
        assert rewards[-1] == reward
    positions = tuple(p for p in range(16) if state[p] == -1)
    pieces = tuple(q for q in range(16) if q not in state)
    expected_legal = () if done else tuple(16 * p + q for p in positions for q in pieces)
    assert game.legal_actions() == expected_legal
    assert game.empty_positions() == (() if done else positions)
    assert game.available_pieces() == (() if done else pieces)
    # The last mover made move len(moves); player 0 makes the odd-numbered moves.
    assert game.to_move == ((len(moves) - 1) % 2 if done else len(moves) % 2)

    env = environments.load("quarto")
    array, valid = env.reset()
    for move in moves:
        array, step_reward, _, valid = env.step(move)
        assert type(step_reward) is float
    assert array.dtype == np.int64 and array.tolist() == state
    assert valid.dtype == np.int64 and valid.tolist() == list(expected_legal)


def test_start() -> None:
    game = Quarto()
    legal = game.legal_actions()
    assert len(legal) == 240
    assert legal[:16] == (*range(15), 16)
    assert 15 not in legal and 31 not in legal
    assert game.empty_positions() == tuple(range(16))
    assert game.available_pieces() == tuple(range(15))


# (name, actions before, action, reason)
INVALID = [
    ("position taken", [16 * 5 + 3], 16 * 5 + 4, "position 5 is taken"),
    (
        "piece on the board",
        [16 * 5 + 3, 16 * 6 + 7],
        16 * 0 + 3,
        "piece 3 is not available (it is already on the board)",
    ),
    (
        "the piece being placed",
        [16 * 5 + 3],
        16 * 0 + 3,
        "piece 3 is not available (it is the piece you are placing)",
    ),
    (
        "piece 15 at the start",
        [],
        16 * 2 + 15,
        "piece 15 is not available (it is the piece you are placing)",
    ),
    (
        "beyond the actions",
        [],
        256,
        "there is no action 256 (actions are 16 * position + piece, from 0 to 255)",
    ),
    (
        "negative",
        [],
        -1,
        "there is no action -1 (actions are 16 * position + piece, from 0 to 255)",
    ),
    ("string", [], "17", "it is not an integer"),
    ("fraction", [], 16.5, "it is not an integer"),
    ("after a win", ROW_HAS, 16 * 4 + 1, "the game is over"),
    ("after the automatic placement", LAST_PIECE_DRAWS, 0, "the game is over"),
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
    assert (game.state(), game.legal_actions(), game.done, game.to_move) == before

    env = environments.load("quarto")
    for move in moves:
        env.step(move)
    with pytest.raises(InvalidActionError) as caught:
        env.step(action)
    assert caught.value.reason == reason
    assert env.to_jsonable() == before[0]


def test_position_taken_is_reported_before_the_piece() -> None:
    game, _ = _play([16 * 5 + 3])
    with pytest.raises(InvalidActionError, match="position 5 is taken"):
        game.play(16 * 5 + 3)


def _fresh_arrays(game: Quarto) -> tuple[list[int], list[int]]:
    return game.state(), list(game.legal_actions())


def test_environment_arrays_survive_direct_use_of_the_game() -> None:
    # Environment keeps numpy copies between steps; playing on env.game directly,
    # resetting it or copying must never leave them stale.
    env = environments.load("quarto")
    game = env.game
    env.reset()
    state, _, _, valid = env.step(16 * 5 + 3)
    game.play(16 * 6 + 7)  # behind the Environment's back
    state, _, _, valid = env.step(16 * 0 + 1)
    assert (state.tolist(), valid.tolist()) == _fresh_arrays(game)
    game.reset()
    game.play(16 * 5 + 3)
    game.play(16 * 6 + 7)  # same free positions/pieces as above, other history
    state, _, _, valid = env.step(16 * 0 + 1)
    assert (state.tolist(), valid.tolist()) == _fresh_arrays(game)
    assert env.state.tolist() == game.state()
    assert env.valid_actions.tolist() == list(game.legal_actions())
    other = game.copy()
    other.play(16 * 1 + 2)
    assert env.state.tolist() == game.state()
    state, valid = env.reset()
    assert (state.tolist(), valid.tolist()) == _fresh_arrays(game)


def test_returned_arrays_are_fresh() -> None:
    env = environments.load("quarto")
    state, valid = env.reset()
    state[:] = 7
    valid[:] = 0
    state2, _, _, valid2 = env.step(16 * 5 + 3)
    assert state2.tolist() == [*board(p5=15), 3]
    assert valid2[0] == 0 and valid2[1] == 1
    state2[0] = 99
    state3, _, _, _ = env.step(16 * 6 + 7)
    assert state3.tolist() == [*board(p5=15, p6=3), 7]
