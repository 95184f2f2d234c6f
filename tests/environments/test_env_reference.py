"""Differential test: the fast games against deliberately naive re-implementations
of docs/rules.md (full-board scans, no tables), over many seeded random games."""

from __future__ import annotations

import random
from typing import Any

import pytest

import environments

GAMES = 400


class NaiveTicTacToe:
    LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]

    def __init__(self) -> None:
        self.state: list[Any] = [0.0] * 9 + [1.0]
        self.done = False

    def legal(self) -> list[int]:
        return [] if self.done else [i for i in range(9) if self.state[i] == 0.0]

    def play(self, action: int) -> float:
        assert action in self.legal()
        mark = self.state[9]
        self.state[action] = mark
        if any(all(self.state[i] == mark for i in line) for line in self.LINES):
            self.done = True
            return 1.0
        if all(self.state[i] != 0.0 for i in range(9)):
            self.done = True
            return 0.0
        self.state[9] = -mark
        return 0.0


class NaiveConnectFour:
    def __init__(self) -> None:
        self.state: list[Any] = [0.0] * 42 + [1.0]
        self.done = False

    def legal(self) -> list[int]:
        return [] if self.done else [c for c in range(7) if self.state[c] == 0.0]

    def four(self, mark: float) -> bool:
        for row in range(6):
            for col in range(7):
                for d_row, d_col in ((0, 1), (1, 0), (1, 1), (1, -1)):
                    cells = [(row + k * d_row, col + k * d_col) for k in range(4)]
                    inside = all(0 <= r < 6 and 0 <= c < 7 for r, c in cells)
                    if inside and all(self.state[7 * r + c] == mark for r, c in cells):
                        return True
        return False

    def play(self, action: int) -> float:
        assert action in self.legal()
        mark = self.state[42]
        row = max(r for r in range(6) if self.state[7 * r + action] == 0.0)
        self.state[7 * row + action] = mark
        if self.four(mark):
            self.done = True
            return 1.0
        if all(v != 0.0 for v in self.state[:42]):
            self.done = True
            return 0.0
        self.state[42] = -mark
        return 0.0


class NaiveQuarto:
    LINES = [[4 * r + c for c in range(4)] for r in range(4)]
    LINES += [[4 * r + c for r in range(4)] for c in range(4)]
    LINES += [[0, 5, 10, 15], [3, 6, 9, 12]]

    def __init__(self) -> None:
        self.state: list[Any] = [-1] * 16 + [15]
        self.done = False

    def legal(self) -> list[int]:
        if self.done:
            return []
        free = [p for p in range(16) if self.state[p] == -1]
        pieces = [q for q in range(16) if q not in self.state]
        return [16 * p + q for p in free for q in pieces]

    def line(self) -> bool:
        for line in self.LINES:
            a, b, c, d = (self.state[i] for i in line)
            if -1 not in (a, b, c, d) and ((a & b & c & d) or (~a & ~b & ~c & ~d & 0xF)):
                return True
        return False

    def play(self, action: int) -> float:
        assert action in self.legal()
        position, piece = divmod(action, 16)
        self.state[position] = self.state[16]
        self.state[16] = piece
        if self.line():
            self.done = True
            return 100.0
        if all(q in self.state[:16] or q == piece for q in range(16)):
            self.done = True
            self.state[self.state.index(-1)] = piece
            return -100.0 if self.line() else 0.0
        return 0.0


NAIVE = {"tic-tac-toe": NaiveTicTacToe, "connect-four": NaiveConnectFour, "quarto": NaiveQuarto}
# Final rewards the seeded random games must reach (random connect-four games
# practically never fill the grid: the draw is a table test).
ENDINGS = {"tic-tac-toe": {0.0, 1.0}, "connect-four": {1.0}, "quarto": {100.0, -100.0, 0.0}}


@pytest.mark.parametrize("slug", sorted(NAIVE))
def test_matches_naive_rules(slug: str) -> None:
    rng = random.Random(f"reference-{slug}")
    game = environments.new_game(slug)
    endings: set[float] = set()
    for number in range(GAMES):
        naive = NAIVE[slug]()
        game.reset()
        while not naive.done:
            legal = naive.legal()
            assert list(game.legal_actions()) == legal, f"game {number}"
            action = rng.choice(legal)
            expected = naive.play(action)
            assert game.play(action) == expected, f"game {number}"
            assert game.state() == naive.state, f"game {number}"
            assert game.done is naive.done, f"game {number}"
        assert game.legal_actions() == ()
        endings.add(expected)
    assert endings == ENDINGS[slug]
