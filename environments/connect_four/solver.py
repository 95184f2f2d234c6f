"""Connect four proven by search: negamax alpha-beta on bitboards, within a time budget.

The classic design (John Tromp's and Pascal Pons's solvers), in plain Python:

- two bitboards, the mover's discs and all discs, in the game's own layout (bit
  ``7 * col + height``, a spare 7th bit per column so lines cannot wrap);
- only moves that do not hand the opponent an immediate win are searched (a forced block is
  the only move; two threats lose at once), the rest are proven losses without search;
- moves ordered by the number of winning cells they create, centre columns first on ties;
- a transposition table of lower and upper bounds, kept between calls (the coach asks about
  the consecutive positions of a duel, which share most of their trees);
- null-window searches: first the sign (win, draw, loss), then the exact score by bisection,
  then, for the best moves, each move's sign.

A score is ``43 - T`` for a win that ends the game when ``T`` discs are down, ``-(43 - T)`` for
a loss, ``0`` for a draw: it depends only on the final position, so a child's score is just
negated, and it encodes the plies to the end (the winner hurries, the loser delays).

The clock is read every 2,048 nodes; past the budget the search stops and ``solve`` returns
what it proved so far (the value without the plies, or nothing: :data:`UNKNOWN`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..solver import UNKNOWN, Verdict
from .environment import COLUMNS, ROWS

__all__ = ["SOLVER", "ConnectFourSolver"]

_H = ROWS + 1
_CELLS = ROWS * COLUMNS
_BOTTOM = sum(1 << (_H * col) for col in range(COLUMNS))
_BOARD = _BOTTOM * ((1 << ROWS) - 1)
_COLUMN_MASK = tuple(((1 << ROWS) - 1) << (_H * col) for col in range(COLUMNS))
_ORDER = (3, 2, 4, 1, 5, 0, 6)  # centre first: more lines go through the centre
# State index of the cell at `height` (0 = bottom) of `col`: row 0 is the top.
_CELL = tuple(
    tuple(COLUMNS * (ROWS - 1 - height) + col for height in range(ROWS)) for col in range(COLUMNS)
)
_CHECK_EVERY = 2047  # nodes between two looks at the clock, minus one (a mask)
_TABLE_LIMIT = 1 << 19  # entries per bound table before it is emptied (~40 MB each)


class _OutOfTime(Exception):
    pass


def winning_cells(discs: int, mask: int) -> int:
    """The empty cells that would complete four of ``discs`` (playable now or not)."""
    # Unrolled (the hottest function of the search): vertical, then for each of horizontal
    # (shift 7) and the diagonals (6, 8) the four places of the missing disc in a line.
    r = (discs << 1) & (discs << 2) & (discs << 3)
    p = (discs << 7) & (discs << 14)
    r |= p & ((discs << 21) | (discs >> 7))
    p = (discs >> 7) & (discs >> 14)
    r |= p & ((discs << 7) | (discs >> 21))
    p = (discs << 6) & (discs << 12)
    r |= p & ((discs << 18) | (discs >> 6))
    p = (discs >> 6) & (discs >> 12)
    r |= p & ((discs << 6) | (discs >> 18))
    p = (discs << 8) & (discs << 16)
    r |= p & ((discs << 24) | (discs >> 8))
    p = (discs >> 8) & (discs >> 16)
    r |= p & ((discs << 8) | (discs >> 24))
    return r & (_BOARD ^ mask)


def _has_four(discs: int) -> bool:
    for d in (1, _H, _H - 1, _H + 1):
        pairs = discs & (discs >> d)
        if pairs & (pairs >> 2 * d):
            return True
    return False


class ConnectFourSolver:
    """Alpha-beta with a transposition table; a budget can run out (``exact = False``)."""

    exact = False

    def __init__(self) -> None:
        # key (mover's discs + all discs: unique per position) -> bound on its score.
        self._lower: dict[int, int] = {}
        self._upper: dict[int, int] = {}

    def solve(self, state: Sequence[float], budget: float) -> Verdict:
        position = _parse(state)
        if position is None:
            return UNKNOWN
        current, mask, moves = position
        search = _Search(self, time.monotonic() + budget)
        value: int | None = None
        plies: int | None = None
        best: tuple[int, ...] = ()
        try:
            sign = search.sign(current, mask, moves)
            value = sign
            score = search.exact(current, mask, moves, sign)
            plies = _plies(score, moves)
            best = search.best_actions(current, mask, moves, sign)
        except _OutOfTime:
            pass
        if value is None:
            return UNKNOWN
        return Verdict(value, plies, best)

    def tables(self) -> tuple[dict[int, int], dict[int, int]]:
        if len(self._lower) > _TABLE_LIMIT or len(self._upper) > _TABLE_LIMIT:
            self._lower.clear()
            self._upper.clear()
        return self._lower, self._upper


def _plies(score: int, moves: int) -> int:
    if score == 0:
        return _CELLS - moves  # a draw fills the grid
    return 43 - abs(score) - moves


def _parse(state: Sequence[float]) -> tuple[int, int, int] | None:
    """(mover's discs, all discs, discs down) of an unfinished, well-formed position, else None."""
    if len(state) != _CELLS + 1 or state[_CELLS] not in (1, -1):
        return None
    mark = state[_CELLS]
    current = mask = 0
    moves = 0
    for col in range(COLUMNS):
        column = _CELL[col]
        height = 0
        while height < ROWS and state[column[height]] != 0:
            bit = 1 << (_H * col + height)
            mask |= bit
            if state[column[height]] == mark:
                current |= bit
            height += 1
        # A disc above an empty cell cannot happen: not a position of the game.
        if any(state[column[h]] != 0 for h in range(height, ROWS)):
            return None
        moves += height
    if moves == _CELLS or _has_four(current) or _has_four(current ^ mask):
        return None  # finished: nothing left to prove
    return current, mask, moves


class _Search:
    """One call's search: the shared tables, its deadline and its node count."""

    def __init__(self, owner: ConnectFourSolver, deadline: float) -> None:
        self.lower, self.upper = owner.tables()
        self.deadline = deadline
        self.nodes = 0

    def score_bound(self, current: int, mask: int, moves: int, alpha: int, beta: int) -> int:
        """Negamax of any unfinished position (its mover may have a win at once)."""
        possible = (mask + _BOTTOM) & _BOARD
        if winning_cells(current, mask) & possible:
            return 42 - moves  # the game ends with this disc, the (moves + 1)th
        return self.negamax(current, mask, moves, alpha, beta)

    def sign(self, current: int, mask: int, moves: int) -> int:
        """1, 0 or -1: the position's value for its mover."""
        if self.score_bound(current, mask, moves, 0, 1) > 0:
            return 1
        return 0 if self.score_bound(current, mask, moves, -1, 0) >= 0 else -1

    def exact(self, current: int, mask: int, moves: int, sign: int) -> int:
        """The exact score, knowing its sign, by null-window bisection."""
        if sign == 0:
            return 0
        # Win: 1 .. 42 - moves; loss: -(41 - moves) .. -1.
        low, high = (1, 42 - moves) if sign > 0 else (-(41 - moves), -1)
        while low < high:
            middle = (low + high) // 2
            if self.score_bound(current, mask, moves, middle, middle + 1) <= middle:
                high = middle
            else:
                low = middle + 1
        return low

    def best_actions(self, current: int, mask: int, moves: int, sign: int) -> tuple[int, ...]:
        """The columns whose move keeps the value ``sign``, ascending."""
        possible = (mask + _BOTTOM) & _BOARD
        mine = winning_cells(current, mask)
        best: list[int] = []
        for col in range(COLUMNS):
            move = possible & _COLUMN_MASK[col]
            if not move:
                continue
            if move & mine:
                keeps = sign == 1  # wins at once
            elif moves + 1 == _CELLS:
                keeps = sign == 0  # the last cell, not winning: a draw
            else:
                child_current, child_mask = current ^ mask, mask | move
                if sign == 1:  # the child must be lost for its mover
                    keeps = self.score_bound(child_current, child_mask, moves + 1, -1, 0) < 0
                elif sign == 0:  # the child must be a draw
                    keeps = (
                        self.score_bound(child_current, child_mask, moves + 1, 0, 1) <= 0
                        and self.score_bound(child_current, child_mask, moves + 1, -1, 0) >= 0
                    )
                else:  # every move of a lost position keeps it lost
                    keeps = True
            if keeps:
                best.append(col)
        return tuple(best)

    def negamax(self, current: int, mask: int, moves: int, alpha: int, beta: int) -> int:
        """The score if it is in (alpha, beta), else a bound beyond the window. The mover has
        no win at once (the caller checked, or the parent's move left none)."""
        self.nodes += 1
        if not self.nodes & _CHECK_EVERY and time.monotonic() > self.deadline:
            raise _OutOfTime
        possible = (mask + _BOTTOM) & _BOARD
        theirs = winning_cells(current ^ mask, mask)
        forced = possible & theirs
        if forced:
            if forced & (forced - 1):
                return -(41 - moves)  # two threats: the opponent's next disc wins
            possible = forced
        # Never play right below a cell the opponent wins with.
        possible &= ~(theirs >> 1)
        if not possible:
            return -(41 - moves)
        if moves >= _CELLS - 2:
            # Two cells left, no win for either side at once: the grid fills, a draw.
            return 0
        # Neither side wins on the next disc: the loss is at least 4 discs away, the win 3.
        floor = -(39 - moves)
        if alpha < floor:
            alpha = floor
            if alpha >= beta:
                return alpha
        ceiling = 40 - moves
        if beta > ceiling:
            beta = ceiling
            if alpha >= beta:
                return beta
        key = current + mask
        bound = self.upper.get(key)
        if bound is not None and bound < beta:
            beta = bound
            if alpha >= beta:
                return beta
        bound = self.lower.get(key)
        if bound is not None and bound > alpha:
            alpha = bound
            if alpha >= beta:
                return alpha
        # Order: most new winning cells first; centre first among equals (a stable sort).
        candidates = []
        for col in _ORDER:
            move = possible & _COLUMN_MASK[col]
            if move:
                threats = (winning_cells(current | move, mask) & ~move).bit_count()
                candidates.append((threats, move))
        candidates.sort(key=_first, reverse=True)
        opponent = current ^ mask
        for _, move in candidates:
            score = -self.negamax(opponent, mask | move, moves + 1, -beta, -alpha)
            if score >= beta:
                self.lower[key] = score
                return score
            if score > alpha:
                alpha = score
        self.upper[key] = alpha
        return alpha


def _first(item: tuple[int, int]) -> int:
    return item[0]


SOLVER = ConnectFourSolver()
