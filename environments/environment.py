"""The original (2019) environment interface, on top of a fast :class:`Game`.

Submissions and notebooks written for the original arena use exactly this:
``reset() -> (state, valid_actions)`` and ``step(action) -> (state, reward,
done, valid_actions)``, with numpy arrays for ``state`` and ``valid_actions``.
"""

from __future__ import annotations

from operator import index
from typing import Any

import numpy as np

from .base import Game, as_action
from .errors import InvalidActionError
from .info import GameInfo

__all__ = ["Environment"]


class Environment:
    """One game with the original interface.

    ``state`` is a fresh numpy array (float64 or int64 as documented per game),
    ``valid_actions`` a fresh 1-D int64 array in ascending order (empty once the
    game is over) and ``reward`` a Python float: the mover's reward, non-zero only
    on the move that ends the game. Fresh arrays, because players are free to
    keep or modify what they are handed.
    """

    __slots__ = ("game", "info")

    def __init__(self, info: GameInfo, game: Game) -> None:
        if game.slug != info.slug:
            raise ValueError(f"game {game.slug!r} does not match info {info.slug!r}")
        self.info = info
        self.game = game

    def reset(self) -> tuple[np.ndarray, np.ndarray]:
        game = self.game
        game.reset()
        return game.state_array(), game.legal_actions_array()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, np.ndarray]:
        """Apply ``action`` (any int-like value); raise :class:`InvalidActionError`
        if it is not one of the current valid actions."""
        if type(action) is not int:
            try:
                # numpy integers, the usual case, are cheapest through __index__.
                action = index(action)
            except TypeError:
                try:
                    action = as_action(action)
                except TypeError:
                    raise InvalidActionError(
                        action, "it is not an integer", self.game.slug
                    ) from None
        return self.game.step_arrays(action)

    def to_jsonable(self) -> list[Any]:
        """The current state as plain JSON values (what the arena records)."""
        return self.game.state()

    @property
    def state(self) -> np.ndarray:
        """The current state, as :meth:`reset`/:meth:`step` return it."""
        return self.game.state_array()

    @property
    def valid_actions(self) -> np.ndarray:
        """The current valid actions, as :meth:`reset`/:meth:`step` return them."""
        return self.game.legal_actions_array()

    @property
    def done(self) -> bool:
        return self.game.done

    def __repr__(self) -> str:
        return f"<Environment {self.info.slug} state={self.to_jsonable()!r}>"
