"""# Connect four

Two players take turns dropping discs into a vertical grid of 6 rows and 7
columns; a disc falls to the lowest empty cell of its column. The first to line
up four of their discs horizontally, vertically or diagonally wins.

## State

A numpy array of **43 floats** (`float64`), always absolute (never flipped to
your point of view):

- entries `0`-`41`: the grid, cell `7 * row + col`, **row 0 at the top** and
  row 5 at the bottom: `0` empty, `1` a disc of the first mover, `-1` a disc of
  the second mover;
- entry `42`: the mark of the player to move, `1` or `-1`. You can read your
  own mark there.

```
row 0 (top)     0  1  2  3  4  5  6
row 1           7  8  9 10 11 12 13
...
row 5 (bottom) 35 36 37 38 39 40 41
```

The game starts with an empty grid and entry 42 = `1`.

## Actions

An action is a column number `0`-`6`: your disc drops into that column and
lands on its lowest empty cell. `valid_actions` is a 1-D integer array of the
columns whose top cell is empty, in ascending order (`0`-`6` at the start).
Any other action (a full column, a number out of range, something that is not
an integer) is invalid and loses the match for you.

## Rewards and the end

- Four of your discs in a row, column or diagonal (through the disc you just
  dropped) end the game with reward `1` to you.
- Otherwise filling the grid ends it with reward `0` (a draw).
- Otherwise the reward is `0`, entry 42 flips sign and the other player moves.

On the final move entry 42 does not flip: it still holds the last mover's
mark, and `valid_actions` is empty.

## Version history

- **1** (2019): the original School of AI arena rules, unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..base import Game

__all__ = ["COLUMNS", "GAME", "ROWS", "ConnectFour"]

ROWS = 6
COLUMNS = 7

# Internal bitboards: bit 7 * col + height for the disc at `height` (0 = bottom)
# of column `col`. The 7th bit of each column stays empty, so the shift-and-AND
# line tests below cannot wrap from one column into the next.
_H = ROWS + 1
_BIT = tuple(tuple(1 << (_H * col + height) for height in range(ROWS)) for col in range(COLUMNS))
# State index of that cell: row 0 is the top, so height h is row ROWS - 1 - h.
_CELL = tuple(
    tuple(COLUMNS * (ROWS - 1 - height) + col for height in range(ROWS)) for col in range(COLUMNS)
)
# Legal actions by the mask of full columns: the only thing they depend on.
_LEGAL = tuple(
    tuple(col for col in range(COLUMNS) if not full >> col & 1) for full in range(1 << COLUMNS)
)
_LEGAL_ARRAYS = tuple(np.array(legal, dtype=np.int64) for legal in _LEGAL)
_ALL_FULL = (1 << COLUMNS) - 1
# Dict rather than range checks: one lookup validates the type and the range and
# refuses negative numbers, which list indexing would wrap around.
_COLUMN = {col: col for col in range(COLUMNS)}
_INITIAL_STATE = (0.0,) * (ROWS * COLUMNS) + (1.0,)


class ConnectFour(Game):
    """Connect four on two bitboards (the mover's discs and the opponent's)."""

    __slots__ = ("_full", "_heights", "_legal", "_mine", "_state", "_theirs")

    slug: ClassVar[str] = "connect-four"
    num_actions: ClassVar[int] = COLUMNS
    max_plies: ClassVar[int] = ROWS * COLUMNS
    state_dtype: ClassVar[str] = "float64"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.done = False
        self._heights = [0] * COLUMNS
        # The public state, kept up to date move by move so state() is one copy.
        self._state = list(_INITIAL_STATE)
        self._mine = 0
        self._theirs = 0
        self._full = 0
        self._legal = _LEGAL[0]

    def legal_actions(self) -> tuple[int, ...]:
        return self._legal

    def play(self, action: int) -> float:
        try:
            col = _COLUMN[action]
        except (KeyError, TypeError):
            raise self.invalid(action) from None
        heights = self._heights
        height = heights[col]
        if height == ROWS or self.done:
            raise self.invalid(action)
        heights[col] = height + 1
        board = self._mine | _BIT[col][height]
        state = self._state
        mark = state[42]
        state[_CELL[col][height]] = mark
        # Four in a line <=> some bit survives b & b>>d & b>>2d & b>>3d, done in
        # two steps; d = 7 horizontal, 1 vertical, 6 and 8 the diagonals.
        pairs = board & (board >> 7)
        if pairs & (pairs >> 14):
            return self._win()
        pairs = board & (board >> 1)
        if pairs & (pairs >> 2):
            return self._win()
        pairs = board & (board >> 6)
        if pairs & (pairs >> 12):
            return self._win()
        pairs = board & (board >> 8)
        if pairs & (pairs >> 16):
            return self._win()
        self._mine = self._theirs
        self._theirs = board
        if height == ROWS - 1:
            full = self._full | (1 << col)
            self._full = full
            self._legal = _LEGAL[full]
            if full == _ALL_FULL:
                self.done = True
                return 0.0
        state[42] = -mark
        return 0.0

    def _win(self) -> float:
        # The bitboards are left as they were: nothing can be played any more and
        # the public state already shows the winning disc.
        self.done = True
        self._legal = ()
        return 1.0

    def state(self) -> list[float]:
        return self._state.copy()

    @property
    def to_move(self) -> int:
        return 0 if self._state[42] == 1.0 else 1

    @property
    def heights(self) -> tuple[int, ...]:
        """Discs in each column, left to right."""
        return tuple(self._heights)

    def copy(self) -> ConnectFour:
        other = ConnectFour.__new__(ConnectFour)
        other.done = self.done
        other._heights = self._heights.copy()
        other._state = self._state.copy()
        other._mine = self._mine
        other._theirs = self._theirs
        other._full = self._full
        other._legal = self._legal
        return other

    def state_array(self) -> np.ndarray:
        return np.array(self._state, dtype=np.float64)

    def legal_actions_array(self) -> np.ndarray:
        if self.done:
            return np.empty(0, dtype=np.int64)
        return _LEGAL_ARRAYS[self._full].copy()

    def step_arrays(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        reward = self.play(action)
        state = np.array(self._state, dtype=np.float64)
        if self.done:
            return state, reward, True, np.empty(0, dtype=np.int64)
        return state, reward, False, _LEGAL_ARRAYS[self._full].copy()

    def _why_invalid(self, action: int) -> str:
        if not 0 <= action < COLUMNS:
            return f"there is no column {action} (columns are 0-6)"
        return f"column {action} is full"

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, ConnectFour):
            return NotImplemented
        return self.done == other.done and self._state == other._state

    __hash__ = None  # type: ignore[assignment]  # mutable


GAME = ConnectFour
