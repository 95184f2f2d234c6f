"""The fast internal game API shared by every environment.

A :class:`Game` is a mutable game in progress with a compact internal
representation (bitboards, precomputed tables). The arena, the benchmarks and
search players use it directly; :class:`environments.Environment` wraps it into
the original numpy interface that submissions see.

The hot methods (``legal_actions``, ``play``) avoid numpy, allocations and
repeated attribute lookups: they run millions of times in tournaments and
playouts.
"""

from __future__ import annotations

import abc
import math
import operator
from typing import Any, ClassVar

import numpy as np

from .errors import InvalidActionError

__all__ = ["Game", "as_action"]


class Game(abc.ABC):
    """A two-player game in progress (abstract base).

    Players are numbered by the order they move in the current game: 0 moves
    first, 1 second. Subclasses set the class attributes below and keep
    ``done`` as a plain attribute so that ``while not game.done`` costs a
    single lookup.
    """

    __slots__ = ("done",)

    #: The environment's slug, e.g. ``"tic-tac-toe"``.
    slug: ClassVar[str]
    #: Actions are integers in ``range(num_actions)``.
    num_actions: ClassVar[int]
    #: The most moves one match can take (bounds how long an honest duel can last).
    max_plies: ClassVar[int]
    #: numpy dtype name of :meth:`state_array` (``"float64"`` or ``"int64"``).
    state_dtype: ClassVar[str]

    #: Whether the game has ended. Nothing is legal once it is true.
    done: bool

    @abc.abstractmethod
    def reset(self) -> None:
        """Start a new game from the initial state."""

    @abc.abstractmethod
    def legal_actions(self) -> tuple[int, ...]:
        """The legal actions in ascending order; ``()`` once the game is over.

        The tuple may be shared between games: never mutate it (it is a tuple).
        """

    @abc.abstractmethod
    def play(self, action: int) -> float:
        """Apply the mover's ``action`` and return the mover's reward.

        The reward is non-zero only on the move that ends the game. Raises
        :class:`InvalidActionError` (and leaves the game unchanged) when the
        action is not legal.
        """

    @abc.abstractmethod
    def state(self) -> list[Any]:
        """The absolute state in the documented encoding, as plain Python numbers.

        A fresh list each call: the caller may keep or modify it.
        """

    @abc.abstractmethod
    def copy(self) -> Game:
        """An independent copy of this game in progress."""

    @property
    @abc.abstractmethod
    def to_move(self) -> int:
        """0 if the first mover of this game is to move, else 1.

        Once the game is over it stays at the player who made the last move, like
        the "to move" entry of the states, which does not flip on the final move.
        """

    # The two methods below feed Environment; subclasses override them with
    # cached arrays where that pays off. numpy is fine here: it is not the fast path.

    def state_array(self) -> np.ndarray:
        """:meth:`state` as a fresh numpy array of dtype :attr:`state_dtype`."""
        return np.array(self.state(), dtype=self.state_dtype)

    def legal_actions_array(self) -> np.ndarray:
        """:meth:`legal_actions` as a fresh 1-D int64 numpy array."""
        return np.array(self.legal_actions(), dtype=np.int64)

    def step_arrays(self, action: int) -> tuple[np.ndarray, float, bool, np.ndarray]:
        """:meth:`play`, then what ``Environment.step`` returns:
        ``(state_array, reward, done, legal_actions_array)``.

        One call per step instead of four; games override it to fuse the work.
        """
        reward = self.play(action)
        return self.state_array(), reward, self.done, self.legal_actions_array()

    def invalid(self, action: Any) -> InvalidActionError:
        """The error to raise for an ``action`` that :meth:`play` refused.

        Kept off the fast path: ``play`` only calls it after its cheap lookup failed.
        """
        try:
            value = as_action(action)
        except TypeError:
            return InvalidActionError(action, "it is not an integer", self.slug)
        if self.done:
            return InvalidActionError(action, "the game is over", self.slug)
        if value in self.legal_actions():
            # Only an int-like that play()'s lookup could not use gets here (an
            # unhashable 0-d numpy array): Environment.step converts those first.
            return InvalidActionError(
                action,
                f"it is not a plain int but a {type(action).__name__}: convert it with int()",
                self.slug,
            )
        return InvalidActionError(action, self._why_invalid(value), self.slug)

    @abc.abstractmethod
    def _why_invalid(self, action: int) -> str:
        """Why the integer ``action`` is not legal in the current (unfinished) state."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} state={self.state()!r} done={self.done}>"


def as_action(action: Any) -> int:
    """Convert an int-like action to ``int``; raise ``TypeError`` for anything else.

    Accepted, as the original arena accepted them through ``int()``: Python
    ints (and bools), numpy integers and 0-d integer arrays (anything with
    ``__index__``), and floats (Python or numpy) holding an integral value.
    Strings, non-integral floats, NaN and sequences are refused: ``int()`` would
    silently truncate or parse them, hiding a player's bug.
    """
    if type(action) is int:
        return action
    try:
        return operator.index(action)
    except TypeError:
        pass
    if isinstance(action, (float, np.floating)):
        value = float(action)
        if math.isfinite(value) and value.is_integer():
            return int(value)
    raise TypeError(f"{type(action).__name__} is not an integer")
