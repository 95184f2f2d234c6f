"""A 2019-style player (benchmark): wins at once when it can, else blocks the opponent's
immediate win, else plays at random. numpy and the standard library only, the game told
apart by the state's length, as the first arena's submissions did.

Quarto: places the given piece where it wins if it can, else at random, and gives a piece
with which the opponent cannot win at once when there is one.
"""

from __future__ import annotations

import random

import numpy as np

TTT_LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]
QUARTO_LINES = [tuple(range(r * 4, r * 4 + 4)) for r in range(4)]
QUARTO_LINES += [tuple(range(c, 16, 4)) for c in range(4)]
QUARTO_LINES += [(0, 5, 10, 15), (3, 6, 9, 12)]


def ttt_wins(board: list[float], cell: int, mark: float) -> bool:
    board = list(board)
    board[cell] = mark
    return any(all(board[i] == mark for i in line) for line in TTT_LINES)


def c4_wins(grid: list[float], column: int, mark: float) -> bool:
    rows = [r for r in range(6) if grid[7 * r + column] == 0]
    if not rows:
        return False
    row = max(rows)
    grid = list(grid)
    grid[7 * row + column] = mark
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        count = 1
        for sign in (1, -1):
            r, c = row + sign * dr, column + sign * dc
            while 0 <= r < 6 and 0 <= c < 7 and grid[7 * r + c] == mark:
                count += 1
                r, c = r + sign * dr, c + sign * dc
        if count >= 4:
            return True
    return False


QUARTO_LINES_AT = [
    [[i for i in line if i != s] for line in QUARTO_LINES if s in line] for s in range(16)
]


def quarto_wins(board: list[int], square: int, piece: int) -> bool:
    """Whether ``piece`` on the empty ``square`` completes a line sharing an attribute."""
    for others in QUARTO_LINES_AT[square]:
        a, b, c = (board[i] for i in others)
        # Some bit set in all four, or clear in all four.
        if a >= 0 and b >= 0 and c >= 0 and (piece & a & b & c or (piece | a | b | c) != 15):
            return True
    return False


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return self.choose(state, valid_actions)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self.choose(state, valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass

    def choose(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        actions = [int(a) for a in valid_actions]
        cells = state.tolist()
        if len(cells) == 10:
            return self.line_game(actions, cells[:9], cells[9], ttt_wins)
        if len(cells) == 43:
            return self.line_game(actions, cells[:42], cells[42], c4_wins)
        return self.quarto(actions, [int(x) for x in cells])

    def line_game(self, actions: list[int], board: list[float], mark: float, wins) -> int:
        for a in actions:
            if wins(board, a, mark):
                return a
        for a in actions:
            if wins(board, a, -mark):
                return a
        return self.rng.choice(actions)

    def quarto(self, actions: list[int], state: list[int]) -> int:
        board, piece = state[:16], state[16]
        squares = sorted({a // 16 for a in actions})
        gifts = sorted({a % 16 for a in actions})
        for square in squares:
            if quarto_wins(board, square, piece):
                return next(a for a in actions if a // 16 == square)
        square = self.rng.choice(squares)
        after = list(board)
        after[square] = piece
        # Per empty square, the attributes a piece placed there would complete a line with:
        # bits set in three pieces of a line (a piece with that bit wins), and bits clear.
        threats = []
        for empty in range(16):
            if after[empty] >= 0:
                continue
            for others in QUARTO_LINES_AT[empty]:
                a, b, c = (after[i] for i in others)
                if a >= 0 and b >= 0 and c >= 0:
                    threats.append((a & b & c, ~(a | b | c) & 15))
        safe = [g for g in gifts if not any(g & on or ~g & off for on, off in threats)]
        gift = self.rng.choice(safe or gifts)
        return 16 * square + gift
