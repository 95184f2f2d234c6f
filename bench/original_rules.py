"""The 2019 arena's rules, re-created in its numpy style, as the benchmark baseline.

The original environments kept the state in a numpy array, checked wins by
fancy-indexing that array with precomputed lists of line positions, and built
the valid actions with ``np.nonzero`` (quarto: a Python list comprehension over
the free positions and pieces) after every step. This module reproduces that
style (not its exact text) so that ``bench_rules.py`` can measure how far the
new ``environments`` package is from it on the same machine. It is deliberately
not a strawman: it does only the work the original did on each step, no more.

Only the happy path matters here (the benchmark plays valid random games), so
invalid actions are caught by ``assert`` like in the original.
"""

from __future__ import annotations

import numpy as np


class TicTacToe:
    """Tic-tac-toe on a numpy array of 10 floats (9 cells + the mark to move)."""

    lines = (
        [[r, r + 1, r + 2] for r in (0, 3, 6)]
        + [[c, c + 3, c + 6] for c in (0, 1, 2)]
        + [[0, 4, 8], [2, 4, 6]]
    )

    def __init__(self) -> None:
        self.state = np.zeros(10)

    def reset(self) -> tuple[np.ndarray, np.ndarray]:
        self.state[:9] = 0
        self.state[9] = 1
        return self.state, np.arange(9)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        state = self.state
        assert state[action] == 0, "invalid action"
        state[action] = state[9]
        for line in self.lines:
            marks = state[line]
            if marks[0] != 0 and marks[0] == marks[1] == marks[2]:
                return state, 1.0, True, np.array([], dtype=np.int64)
        if np.all(state != 0):
            return state, 0.0, True, np.array([], dtype=np.int64)
        state[9] = -state[9]
        return state, 0.0, False, np.nonzero(state == 0)[0]


def _c4_pos(row: int, col: int) -> int:
    return 7 * row + col


_C4_LINES = (
    [[_c4_pos(r, c + k) for k in range(4)] for r in range(6) for c in range(4)]
    + [[_c4_pos(r + k, c) for k in range(4)] for r in range(3) for c in range(7)]
    + [[_c4_pos(r + k, c + k) for k in range(4)] for r in range(3) for c in range(4)]
    + [[_c4_pos(r + k, c - k) for k in range(4)] for r in range(3) for c in range(3, 7)]
)


class ConnectFour:
    """Connect-four on a numpy array of 43 floats (42 cells + the mark to move)."""

    lines = _C4_LINES
    top_row = [_c4_pos(0, c) for c in range(7)]

    def __init__(self) -> None:
        self.state = np.zeros(43)

    def reset(self) -> tuple[np.ndarray, np.ndarray]:
        self.state[:42] = 0
        self.state[42] = 1
        return self.state, np.arange(7)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        state = self.state
        assert state[_c4_pos(0, action)] == 0, "invalid action"
        for row in range(5, -1, -1):
            pos = _c4_pos(row, action)
            if state[pos] == 0:
                state[pos] = state[42]
                break
        for line in self.lines:
            if pos in line:
                values = state[line]
                if np.all(values == 1) or np.all(values == -1):
                    return state, 1.0, True, np.array([], dtype=np.int64)
        if np.all(state != 0):
            return state, 0.0, True, np.array([], dtype=np.int64)
        state[42] = -state[42]
        return state, 0.0, False, np.nonzero(state[self.top_row] == 0)[0]


class Quarto:
    """Quarto on a numpy array of 17 ints (16 positions + the piece to place)."""

    lines = (
        [np.arange(4) + 4 * r for r in range(4)]
        + [np.arange(0, 16, 4) + c for c in range(4)]
        + [np.array([0, 5, 10, 15]), np.array([3, 6, 9, 12])]
    )

    def __init__(self) -> None:
        self.state = np.full(17, -1)
        self.valid: list[int] = []
        self.pieces: list[int] = []
        self.positions: list[int] = []

    def reset(self) -> tuple[np.ndarray, list[int]]:
        self.state = np.full(17, -1)
        self.state[16] = 15
        self.pieces = list(range(15))
        self.positions = list(range(16))
        self.valid = [16 * p + q for p in self.positions for q in self.pieces]
        return self.state, self.valid

    @staticmethod
    def _common_trait(pieces: np.ndarray) -> bool:
        a, b, c, d = pieces
        if a == -1 or b == -1 or c == -1 or d == -1:
            return False
        return bool((a & b & c & d) or (~a & ~b & ~c & ~d & 0xF))

    def _has_line(self) -> bool:
        return any(self._common_trait(self.state[line]) for line in self.lines)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, list[int]]:
        assert action in self.valid, "invalid action"
        state = self.state
        position, piece = divmod(action, 16)
        state[position] = state[16]
        self.positions.remove(position)
        state[16] = piece
        self.pieces.remove(piece)
        if self._has_line():
            return state, 100.0, True, []
        if not self.positions:
            return state, 0.0, True, []
        if not self.pieces:
            last = self.positions.pop()
            state[last] = state[16]
            return state, (-100.0 if self._has_line() else 0.0), True, []
        self.valid = [16 * p + q for p in self.positions for q in self.pieces]
        return state, 0.0, False, self.valid


GAMES = {"tic-tac-toe": TicTacToe, "connect-four": ConnectFour, "quarto": Quarto}
