"""# Tic-tac-toe

Two players take turns marking the cells of a 3x3 grid; the first to complete
a row, a column or a diagonal of three of their marks wins.

## State

A numpy array of **10 floats** (`float64`), always absolute (never flipped to
your point of view):

- entries `0`-`8`: the board, cell `3 * row + col` (row 0 at the top):
  `0` empty, `1` the first mover's mark (X), `-1` the second mover's mark (O);
- entry `9`: the mark of the player to move, `1` or `-1`. You can read your
  own mark there.

```
 0 | 1 | 2
---+---+---
 3 | 4 | 5
---+---+---
 6 | 7 | 8
```

The game starts with an empty board and entry 9 = `1`.

## Actions

An action is a cell number `0`-`8`: your mark goes there. `valid_actions` is
a 1-D integer array of the empty cells in ascending order (`0`-`8` at the
start). Any other action (a taken cell, a number out of range, something that
is not an integer) is invalid and loses the match for you.

## Rewards and the end

- Completing a line of three (3 rows, 3 columns, 2 diagonals) ends the game
  with reward `1` to you.
- Otherwise filling the board ends it with reward `0` (a draw).
- Otherwise the reward is `0`, entry 9 flips sign and the other player moves.

On the final move entry 9 does not flip: it still holds the last mover's mark,
and `valid_actions` is empty.

## Version history

- **1** (2019): the original School of AI arena rules, unchanged.
"""

from __future__ import annotations

from operator import sub
from typing import Any, ClassVar

import numpy as np

from ..base import Game

__all__ = ["GAME", "LINES", "TicTacToe"]

#: The 8 winning lines as cell triples.
LINES = (
    (0, 1, 2),
    (3, 4, 5),
    (6, 7, 8),
    (0, 3, 6),
    (1, 4, 7),
    (2, 5, 8),
    (0, 4, 8),
    (2, 4, 6),
)
_LINE_MASKS = tuple((1 << a) | (1 << b) | (1 << c) for a, b, c in LINES)
# By 9-bit mask of one player's marks: whether they hold a complete line.
_WON = tuple(any(mask & line == line for line in _LINE_MASKS) for mask in range(512))


class _Node:
    """One reachable position; all of them are built once at import.

    Tic-tac-toe has only 5,478 reachable positions, so instead of checking lines
    on every move the whole game graph is precomputed: a move is one dict lookup
    and the state, the legal actions and the outcome are shared immutable values.
    """

    __slots__ = (
        "children",
        "done",
        "legal",
        "legal_array",
        "marks",
        "reward",
        "state",
        "state_array",
        "to_move",
    )

    def __init__(self, marks: tuple[int, int], to_move: int, done: bool, reward: float) -> None:
        first, second = marks
        #: Bitmasks of the cells holding the first / second mover's marks.
        self.marks = marks
        self.to_move = to_move
        self.done = done
        self.reward = reward
        cells = map(sub, _ONES[first], _ONES[second])
        self.state: tuple[float, ...] = (*cells, -1.0 if to_move else 1.0)
        self.legal: tuple[int, ...] = () if done else _SET_BITS[0x1FF & ~(first | second)]
        # Filled by _build for unfinished positions; a finished one accepts nothing.
        self.children: dict[int, _Node] = {}
        self.state_array: np.ndarray | None = None
        self.legal_array: np.ndarray | None = None


# By 9-bit mask: its cells as 1.0/0.0 (a node's cells are the difference of its
# two players' masks) and the tuple of its set bits (shared legal-action tuples).
_ONES = tuple(tuple(float(mask >> i & 1) for i in range(9)) for mask in range(512))
_SET_BITS = tuple(tuple(i for i in range(9) if mask >> i & 1) for mask in range(512))


def _build() -> _Node:
    nodes: dict[tuple[int, int, int, bool], _Node] = {}

    def node(first: int, second: int, to_move: int, done: bool, reward: float) -> _Node:
        key = (first, second, to_move, done)
        found = nodes.get(key)
        if found is None:
            found = nodes[key] = _Node((first, second), to_move, done, reward)
        return found

    root = node(0, 0, 0, False, 0.0)
    pending = [root]
    while pending:
        parent = pending.pop()
        first, second = parent.marks
        mover = parent.to_move
        for cell in parent.legal:
            bit = 1 << cell
            mine = (second if mover else first) | bit
            new_first, new_second = (first, mine) if mover else (mine, second)
            won = _WON[mine]
            full = (new_first | new_second) == 0x1FF
            if won or full:
                # The "to move" entry keeps the last mover's mark on the final move.
                child = node(new_first, new_second, mover, True, 1.0 if won else 0.0)
            else:
                known = (new_first, new_second, 1 - mover, False) in nodes
                child = node(new_first, new_second, 1 - mover, False, 0.0)
                if not known:
                    pending.append(child)
            parent.children[cell] = child
    return root


_ROOT = _build()
_EMPTY_ACTIONS = np.empty(0, dtype=np.int64)


class TicTacToe(Game):
    """Tic-tac-toe on the precomputed game graph (see :class:`_Node`)."""

    __slots__ = ("_node",)

    slug: ClassVar[str] = "tic-tac-toe"
    num_actions: ClassVar[int] = 9
    max_plies: ClassVar[int] = 9
    state_dtype: ClassVar[str] = "float64"

    def __init__(self) -> None:
        self._node = _ROOT
        self.done = False

    def reset(self) -> None:
        self._node = _ROOT
        self.done = False

    def legal_actions(self) -> tuple[int, ...]:
        return self._node.legal

    def play(self, action: int) -> float:
        try:
            node = self._node.children[action]
        except (KeyError, TypeError):
            raise self.invalid(action) from None
        self._node = node
        self.done = node.done
        return node.reward

    def state(self) -> list[float]:
        return list(self._node.state)

    @property
    def to_move(self) -> int:
        return self._node.to_move

    @property
    def marks(self) -> tuple[int, int]:
        """Bitmasks (bit ``i`` = cell ``i``) of the first and second mover's marks."""
        return self._node.marks

    def copy(self) -> TicTacToe:
        other = TicTacToe.__new__(TicTacToe)
        other._node = self._node
        other.done = self.done
        return other

    def state_array(self) -> np.ndarray:
        node = self._node
        array = node.state_array
        if array is None:
            array = node.state_array = np.array(node.state, dtype=np.float64)
        return array.copy()

    def legal_actions_array(self) -> np.ndarray:
        node = self._node
        array = node.legal_array
        if array is None:
            array = node.legal_array = np.array(node.legal, dtype=np.int64)
        return array.copy()

    def step_arrays(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        try:
            node = self._node.children[action]
        except (KeyError, TypeError):
            raise self.invalid(action) from None
        self._node = node
        self.done = node.done
        state = node.state_array
        if state is None:
            state = node.state_array = np.array(node.state, dtype=np.float64)
        legal = node.legal_array
        if legal is None:
            legal = node.legal_array = np.array(node.legal, dtype=np.int64)
        return state.copy(), node.reward, node.done, legal.copy()

    def _why_invalid(self, action: int) -> str:
        if not 0 <= action < 9:
            return f"there is no cell {action} (cells are 0-8)"
        return f"cell {action} is taken"

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, TicTacToe):
            return NotImplemented
        return self._node is other._node

    __hash__ = None  # type: ignore[assignment]  # mutable


GAME = TicTacToe
