"""Quarto proven by search: negamax alpha-beta over piece codes, within a time budget.

A move places the piece in hand and hands one over, so the search looks at (position, piece)
pairs; what makes it tractable:

- pieces are coded on 8 bits (their attributes and the complements, as the rules do), an empty
  cell is 0, so the AND of a line's three other cells says at once which pieces would complete
  it there: one OR over the empty cells gives the "deadly" attribute bits;
- a win on the spot ends the search of a position (nothing is faster), and a piece that lets
  the opponent win on the spot is never handed over when another exists: when none exists the
  position is a loss in two plies, proven without search;
- the last move (two empty cells, one piece left) is scored directly with the automatic
  placement of the last piece, which may make the mover lose;
- a transposition table of lower and upper bounds, with the best move found, kept between
  calls; null-window searches for the sign, then the exact score, then the best actions.

Scores as for connect four: ``16 - T`` for a win that ends the game on move ``T`` (the 15th
move at the latest, with the automatic placement), ``-(16 - T)`` for a loss, ``0`` for a draw.
Late positions (up to 8 or 9 empty cells) prove within seconds; early ones are
:data:`UNKNOWN` within a small budget.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..solver import UNKNOWN, Verdict
from .environment import LINES, _bits

__all__ = ["SOLVER", "QuartoSolver"]

_CODE = tuple(piece | (~piece & 0xF) << 4 for piece in range(16))
# By position: the other three cells of each line through it.
_OTHERS = tuple(
    tuple(tuple(other for other in line if other != position) for line in LINES if position in line)
    for position in range(16)
)
# By the attribute bits a piece must not have: the pieces (a 16-bit mask) without any of them.
_SAFE = tuple(
    sum(1 << piece for piece in range(16) if not _CODE[piece] & deadly) for deadly in range(256)
)
_HAND_SHIFT = 80  # the key: 5 bits per cell (piece + 1, 0 empty), then the piece in hand
_CHECK_EVERY = 1023
_TABLE_LIMIT = 1 << 19  # entries per bound table before it is emptied (~40 MB each)


class _OutOfTime(Exception):
    pass


def _threats(cells: list[int], position: int) -> int:
    """The attribute bits a piece placed on the empty ``position`` would need to win there."""
    bits = 0
    for a, b, c in _OTHERS[position]:
        bits |= cells[a] & cells[b] & cells[c]
    return bits


class QuartoSolver:
    """Alpha-beta with a transposition table; a budget can run out (``exact = False``)."""

    exact = False

    def __init__(self) -> None:
        self._lower: dict[int, int] = {}
        self._upper: dict[int, int] = {}
        self._best: dict[int, tuple[int, int]] = {}

    def solve(self, state: Sequence[float], budget: float) -> Verdict:
        position = _parse(state)
        if position is None:
            return UNKNOWN
        if len(self._lower) > _TABLE_LIMIT or len(self._upper) > _TABLE_LIMIT:
            self._lower.clear()
            self._upper.clear()
            self._best.clear()
        search = _Search(self, position[0], time.monotonic() + budget)
        _, key, hand, empty, available, placed = position
        value: int | None = None
        plies: int | None = None
        best: tuple[int, ...] = ()
        try:
            value = search.sign(key, hand, empty, available, placed)
            score = search.exact(key, hand, empty, available, placed, value)
            plies = 16 - abs(score) - placed if score else 15 - placed
            best = search.best_actions(key, hand, empty, available, placed, value)
        except _OutOfTime:
            pass
        if value is None:
            return UNKNOWN
        return Verdict(value, plies, best)


def _parse(state: Sequence[float]) -> tuple[list[int], int, int, int, int, int] | None:
    """(cell codes, key, piece in hand, empty cells mask, available pieces mask, pieces placed)
    of an unfinished, well-formed position, else None."""
    if len(state) != 17:
        return None
    cells = [0] * 16
    key = 0
    empty = 0
    on_board = 0
    for position in range(16):
        piece = int(state[position])
        if piece == -1:
            empty |= 1 << position
        elif 0 <= piece < 16 and not on_board >> piece & 1:
            on_board |= 1 << piece
            cells[position] = _CODE[piece]
            key |= (piece + 1) << (5 * position)
        else:
            return None
    hand = int(state[16])
    if not 0 <= hand < 16 or on_board >> hand & 1:
        return None
    placed = 16 - empty.bit_count()
    # Fewer than two empty cells: the automatic placement has ended the game.
    if placed > 14:
        return None
    for line in LINES:
        a, b, c, d = (cells[i] for i in line)
        if a & b & c & d:
            return None  # a line is complete: finished
    available = 0xFFFF & ~on_board & ~(1 << hand)
    return cells, key | hand << _HAND_SHIFT, hand, empty, available, placed


class _Search:
    """One call's search: the board it changes and restores, the shared tables, the clock."""

    def __init__(self, owner: QuartoSolver, cells: list[int], deadline: float) -> None:
        self.cells = cells
        self.lower = owner._lower
        self.upper = owner._upper
        self.best = owner._best
        self.deadline = deadline
        self.nodes = 0

    def wins_now(self, hand: int, empty: int) -> int:
        """The empty cells where the piece in hand wins on the spot, as a mask."""
        code = _CODE[hand]
        cells = self.cells
        return sum(1 << p for p in _bits(empty) if code & _threats(cells, p))

    def score_bound(
        self, key: int, hand: int, empty: int, available: int, placed: int, alpha: int, beta: int
    ) -> int:
        """Negamax of any unfinished position (its mover may win on the spot)."""
        if self.wins_now(hand, empty):
            return 15 - placed
        return self.negamax(key, hand, empty, available, placed, alpha, beta)

    def sign(self, key: int, hand: int, empty: int, available: int, placed: int) -> int:
        if self.score_bound(key, hand, empty, available, placed, 0, 1) > 0:
            return 1
        return 0 if self.score_bound(key, hand, empty, available, placed, -1, 0) >= 0 else -1

    def exact(self, key: int, hand: int, empty: int, available: int, placed: int, sign: int) -> int:
        if sign == 0:
            return 0
        low, high = (1, 15 - placed) if sign > 0 else (-(15 - placed), -1)
        while low < high:
            middle = (low + high) // 2
            if self.score_bound(key, hand, empty, available, placed, middle, middle + 1) <= middle:
                high = middle
            else:
                low = middle + 1
        return low

    def best_actions(
        self, key: int, hand: int, empty: int, available: int, placed: int, sign: int
    ) -> tuple[int, ...]:
        """The actions (16 * position + piece) that keep the value ``sign``, ascending."""
        cells = self.cells
        winning = self.wins_now(hand, empty)
        code = _CODE[hand]
        best: list[int] = []
        for position in _bits(empty):
            if winning >> position & 1:
                if sign == 1:
                    best.extend(16 * position + piece for piece in _bits(available))
                continue
            cells[position] = code
            try:
                for piece in _bits(available):
                    if (
                        self.move_value(key, hand, empty, available, placed, position, piece)
                        == sign
                    ):
                        best.append(16 * position + piece)
            finally:
                cells[position] = 0
        return tuple(sorted(best))

    def move_value(
        self,
        key: int,
        hand: int,
        empty: int,
        available: int,
        placed: int,
        position: int,
        piece: int,
    ) -> int:
        """The mover's value of a move that does not win on the spot (the piece in hand is on
        ``position`` in the cells already)."""
        rest = empty & ~(1 << position)
        left = available & ~(1 << piece)
        if not left:
            # The last piece goes on the last cell: it may complete a line, for the opponent.
            last = rest.bit_length() - 1
            return -1 if _CODE[piece] & _threats(self.cells, last) else 0
        child = key - (hand << _HAND_SHIFT) + (piece << _HAND_SHIFT)
        child += (hand + 1) << (5 * position)
        score = -self.score_bound(child, piece, rest, left, placed + 1, -1, 0)
        if score > 0:
            return 1
        if self.score_bound(child, piece, rest, left, placed + 1, 0, 1) <= 0:
            return 0
        return -1

    def negamax(
        self, key: int, hand: int, empty: int, available: int, placed: int, alpha: int, beta: int
    ) -> int:
        """The score if it is in (alpha, beta), else a bound beyond the window. The piece in
        hand wins nowhere (the caller checked, or the parent handed a safe piece)."""
        self.nodes += 1
        if not self.nodes & _CHECK_EVERY and time.monotonic() > self.deadline:
            raise _OutOfTime
        cells = self.cells
        code = _CODE[hand]
        if placed == 14:
            # Two empty cells, one piece left: place, hand it over, it goes on the other cell.
            last_piece = _CODE[available.bit_length() - 1]
            first, second = _bits(empty)
            result = -1
            for here, there in ((first, second), (second, first)):
                cells[here] = code
                lost = last_piece & _threats(cells, there)
                cells[here] = 0
                if not lost:
                    result = 0
                    break
            return result
        # No win on the spot: a win is 3 moves away at the soonest (2 when the opponent hands
        # over the last piece).
        ceiling = 1 if placed == 13 else 13 - placed
        if beta > ceiling:
            beta = ceiling
            if alpha >= beta:
                return beta
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
        # The moves that hand over a piece the opponent cannot win with at once. What a piece
        # needs to win on each empty cell now; placing the piece in hand on `position` adds
        # only the lines through it that it leaves one piece short.
        positions = _bits(empty)
        needs = [_threats(cells, other) for other in positions]
        moves: list[tuple[int, int]] = []
        for index, position in enumerate(positions):
            deadly = 0
            for other, bits in enumerate(needs):
                if other != index:
                    deadly |= bits
            added = 0
            for a, b, c in _OTHERS[position]:
                ca = cells[a]
                cb = cells[b]
                cc = cells[c]
                if not ca:
                    added |= cb & cc
                elif not cb:
                    added |= ca & cc
                elif not cc:
                    added |= ca & cb
            safe = available & _SAFE[deadly | added & code]
            if safe:
                moves.extend([(position, piece) for piece in _bits(safe)])
        if not moves:
            return -(14 - placed)  # every piece wins for the opponent on their move
        # Nor on the opponent's next move: a loss is 4 moves away at the soonest (3 when the
        # mover hands over the last piece).
        floor = -(12 - placed) if placed <= 11 else -1
        if alpha < floor:
            alpha = floor
            if alpha >= beta:
                return alpha
        known = self.best.get(key)
        if known is not None and known in moves:
            moves.remove(known)
            moves.insert(0, known)
        base = key - (hand << _HAND_SHIFT)
        child_placed = placed + 1
        best_move = moves[0]
        for move in moves:
            position, piece = move
            cells[position] = code
            score = -self.negamax(
                base + ((hand + 1) << (5 * position)) + (piece << _HAND_SHIFT),
                piece,
                empty & ~(1 << position),
                available & ~(1 << piece),
                child_placed,
                -beta,
                -alpha,
            )
            cells[position] = 0
            if score >= beta:
                self.lower[key] = score
                self.best[key] = move
                return score
            if score > alpha:
                alpha = score
                best_move = move
        self.upper[key] = alpha
        self.best[key] = best_move
        return alpha


SOLVER = QuartoSolver()
