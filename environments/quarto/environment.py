"""# Quarto

Sixteen distinct pieces are placed on a 4x4 board. Each piece has four
attributes, each with two values (the names only matter for the display:
tall/short, dark/light, square/round, hollow/solid). You place the piece your
opponent chose for you, then choose the piece your opponent must place next.
Whoever completes a line of four pieces sharing at least one attribute value
wins.

## Pieces

Pieces are numbered `0`-`15`; the 4 bits of a piece's number are its 4
attributes. For display, bit `1` = tall, bit `2` = dark, bit `4` = square,
bit `8` = hollow (a clear bit is the opposite value). Four pieces `a, b, c, d`
share an attribute when `a & b & c & d` is non-zero (all have some bit set)
or `~a & ~b & ~c & ~d & 0xF` is non-zero (all lack some bit).

## State

A numpy array of **17 integers** (`int64`):

- entries `0`-`15`: the board, position `4 * row + col` (row 0 at the top):
  the number of the piece there, or `-1` if empty;
- entry `16`: the piece you must place now (chosen by your opponent).

```
 0  1  2  3
 4  5  6  7
 8  9 10 11
12 13 14 15
```

The game starts with an empty board and entry 16 = `15`: the first mover must
place piece 15, and pieces `0`-`14` are available to give.

## Actions

An action is `16 * position + piece`: put the piece of entry 16 on `position`
(which must be empty), then hand `piece` (which must be neither on the board
nor the one you are placing) to your opponent; entry 16 becomes `piece`.
`valid_actions` is a 1-D integer array of every `16 * p + q` for each empty
position `p` and each available piece `q`, in ascending order (240 at the
start). Decode an action with `position, piece = divmod(action, 16)`. Any other
action is invalid and loses the match for you.

## Rewards and the end

- If your placement completes a line (4 rows, 4 columns, 2 diagonals) of four
  pieces sharing an attribute, the game ends with reward `100` to you (entry
  16 still shows the piece you handed over).
- If you have just handed over the last available piece (the 15th move) and
  did not win, that piece is placed automatically on the last empty position
  and the game ends: reward `-100` to you if that completes a line (your
  opponent wins), `0` otherwise (a draw).
- Otherwise the reward is `0` and the other player moves.

Once the game is over `valid_actions` is empty. The 2x2-square variant is not
played.

## Version history

- **1** (2019): the original School of AI arena rules, unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..base import Game

__all__ = ["GAME", "LINES", "Quarto"]

#: The 10 winning lines as position quadruples: rows, columns, diagonals.
LINES = (
    *(tuple(range(4 * row, 4 * row + 4)) for row in range(4)),
    *(tuple(range(col, 16, 4)) for col in range(4)),
    (0, 5, 10, 15),
    (3, 6, 9, 12),
)

# Each piece as 8 bits: its 4 attribute bits and, above them, their complements.
# Four pieces share an attribute value iff the AND of their codes is non-zero,
# and an empty cell coded 0 makes any AND through it zero: one expression covers
# "line full" and "attribute shared".
_CODE = tuple(piece | (~piece & 0xF) << 4 for piece in range(16))


def _line_test(position: int) -> Any:
    # Generated once per position so the hot path makes one call with constant
    # indexes instead of looping over tuples of lines.
    terms = [
        "code & " + " & ".join(f"board[{other}]" for other in line if other != position)
        for line in LINES
        if position in line
    ]
    source = f"lambda board, code: {' or '.join(terms)}"
    return eval(source)  # made above from constants only


_WINS_AT = tuple(_line_test(position) for position in range(16))

# `_free` packs what the next move may use: empty positions in bits 16-31,
# available pieces in bits 0-15. An action is legal iff both its bits are set,
# so a single AND checks it; a finished game has `_free == 0`.
_POSITIONS_SHIFT = 16
_PIECES = 0xFFFF
_INITIAL_FREE = 0xFFFF << _POSITIONS_SHIFT | 0x7FFF
# action -> (bits it needs in _free, position, piece), for all 256 actions.
_DECODE = {
    16 * position + piece: (1 << position + _POSITIONS_SHIFT | 1 << piece, position, piece)
    for position in range(16)
    for piece in range(16)
}
_INITIAL_STATE = (-1,) * 16 + (15,)


# Ascending tuple of the set bits of a 16-bit mask, by mask, built on first use
# (a list: indexing it is the cheapest lookup there is, and the getters below
# run on every move of a playout).
_BITS: list[tuple[int, ...] | None] = [None] * (1 << 16)


def _bits(mask: int) -> tuple[int, ...]:
    bits = _BITS[mask]
    if bits is None:
        bits = _BITS[mask] = tuple(i for i in range(16) if mask >> i & 1)
    return bits


# legal_actions() by `_free`: the start is asked for constantly, the rest rarely
# repeats, so keep a bounded cache rather than one entry per position ever seen.
_LEGAL: dict[int, tuple[int, ...]] = {}
_LEGAL_CACHE_SIZE = 4096

# Environment side (numpy). The valid actions are kept as a boolean mask over
# the 256 actions: a move only removes the actions using its position or its
# piece, one in-place AND with a precomputed row, and nonzero() turns the mask
# into the fresh int64 array players get. About 0.6 us, against ~1.5 us for
# building the array from the free positions and pieces and ~3 us for
# converting legal_actions().
_ACTIONS = np.arange(256)
# Row `a`: the actions still legal after `a` if they were before, keyed by
# action like _DECODE so that a float equal to an int works as in play().
_KEEP = {
    int(action): (action >> 4 != _ACTIONS >> 4) & (action & 15 != _ACTIONS & 15)
    for action in _ACTIONS
}
_SHIFTS = np.arange(16)


def _action_mask(free: int) -> np.ndarray:
    """A fresh boolean mask over the 256 actions, true for the legal ones."""
    positions = (free >> _POSITIONS_SHIFT) >> _SHIFTS & 1 != 0
    pieces = (free & _PIECES) >> _SHIFTS & 1 != 0
    return (positions[:, None] & pieces).ravel()


_INITIAL_MASK = _action_mask(_INITIAL_FREE)
_INITIAL_STATE_ARRAY = np.array(_INITIAL_STATE, dtype=np.int64)


class Quarto(Game):
    """Quarto on a list of piece codes plus the packed mask of free positions/pieces."""

    # _np_*: numpy copies of the state and of the legal-action mask for
    # Environment, updated move by move by step_arrays(). They are current iff
    # _np_list is _state and _np_free == _free: reset() replaces the list and
    # every move clears bits of _free, so no other state can match.
    __slots__ = ("_board", "_free", "_np_free", "_np_list", "_np_mask", "_np_state", "_state")

    slug: ClassVar[str] = "quarto"
    num_actions: ClassVar[int] = 256
    max_plies: ClassVar[int] = 16
    state_dtype: ClassVar[str] = "int64"

    def __init__(self) -> None:
        self._np_list: list[int] | None = None
        self._np_free = -1
        self.reset()

    def reset(self) -> None:
        self.done = False
        self._board = [0] * 16
        self._free = _INITIAL_FREE
        # The public state, kept up to date move by move so state() is one copy.
        self._state = list(_INITIAL_STATE)

    def legal_actions(self) -> tuple[int, ...]:
        free = self._free
        try:
            return _LEGAL[free]
        except KeyError:
            pass
        pieces = _bits(free & _PIECES)
        legal = tuple([16 * p + q for p in _bits(free >> _POSITIONS_SHIFT) for q in pieces])
        if len(_LEGAL) >= _LEGAL_CACHE_SIZE:
            _LEGAL.clear()
        _LEGAL[free] = legal
        return legal

    def empty_positions(self) -> tuple[int, ...]:
        """Where the piece of state entry 16 may go, ascending; ``()`` once the game is over."""
        # `or`: only None (not built yet) and () (mask 0, cheap anyway) fall through.
        return _BITS[self._free >> 16] or _bits(self._free >> 16)

    def available_pieces(self) -> tuple[int, ...]:
        """The pieces that may be handed over, ascending; ``()`` once the game is over."""
        return _BITS[self._free & 0xFFFF] or _bits(self._free & 0xFFFF)

    def play(self, action: int) -> float:
        try:
            need, position, piece = _DECODE[action]
        except (KeyError, TypeError):
            raise self.invalid(action) from None
        free = self._free
        if free & need != need:
            raise self.invalid(action)
        free ^= need
        self._free = free
        state = self._state
        placed = state[16]
        state[position] = placed
        state[16] = piece
        board = self._board
        code = board[position] = _CODE[placed]
        if _WINS_AT[position](board, code):
            self._free = 0
            self.done = True
            return 100.0
        if free & _PIECES:
            return 0.0
        # The last piece was handed over: it goes on the last empty position.
        last = (free >> _POSITIONS_SHIFT).bit_length() - 1
        state[last] = piece
        code = board[last] = _CODE[piece]
        self._free = 0
        self.done = True
        return -100.0 if _WINS_AT[last](board, code) else 0.0

    def state(self) -> list[int]:
        return self._state.copy()

    @property
    def to_move(self) -> int:
        placed = 16 - self._state.count(-1)
        if self.done:
            # The last mover made move number `placed` (15 if the 16th piece went
            # down automatically); moves 1, 3, 5... are player 0's.
            return (min(placed, 15) - 1) % 2
        return placed % 2

    def copy(self) -> Quarto:
        other = Quarto.__new__(Quarto)
        other.done = self.done
        other._board = self._board.copy()
        other._free = self._free
        other._state = self._state.copy()
        other._np_list = None
        other._np_free = -1
        return other

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The numpy state and legal-action mask, rebuilt if they are not current."""
        if self._np_list is not self._state or self._np_free != self._free:
            if self._free == _INITIAL_FREE:  # only the initial state has it
                self._np_state = _INITIAL_STATE_ARRAY.copy()
                self._np_mask = _INITIAL_MASK.copy()
            else:
                self._np_state = np.array(self._state, dtype=np.int64)
                self._np_mask = _action_mask(self._free)
            self._np_list = self._state
            self._np_free = self._free
        return self._np_state, self._np_mask

    def state_array(self) -> np.ndarray:
        return self._arrays()[0].copy()

    def legal_actions_array(self) -> np.ndarray:
        return self._arrays()[1].nonzero()[0]

    def step_arrays(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        before = self._free
        state = self._state
        placed = state[16]
        reward = self.play(action)
        if self.done:
            self._np_free = -1
            return np.array(state, dtype=np.int64), reward, True, np.empty(0, dtype=np.int64)
        if self._np_free == before and self._np_list is state:
            _, position, piece = _DECODE[action]
            array = self._np_state
            array[position] = placed
            array[16] = piece
            mask = self._np_mask
            np.logical_and(mask, _KEEP[action], out=mask)
            self._np_free = self._free
        else:
            array, mask = self._arrays()
        return array.copy(), reward, False, mask.nonzero()[0]

    def _why_invalid(self, action: int) -> str:
        if not 0 <= action < 256:
            return f"there is no action {action} (actions are 16 * position + piece, from 0 to 255)"
        position, piece = divmod(action, 16)
        if self._state[position] != -1:
            return f"position {position} is taken"
        if piece == self._state[16]:
            return f"piece {piece} is not available (it is the piece you are placing)"
        return f"piece {piece} is not available (it is already on the board)"

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Quarto):
            return NotImplemented
        return self.done == other.done and self._state == other._state

    __hash__ = None  # type: ignore[assignment]  # mutable


GAME = Quarto
