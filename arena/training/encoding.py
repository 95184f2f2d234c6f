"""What both wrappers share about a game: its observation bounds, its win, its action mask.

numpy only (no Gymnasium, no PettingZoo): the opponents and the example players use it too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

import environments

__all__ = ["GameShape", "action_mask", "observation", "shape_of"]


@dataclass(frozen=True)
class GameShape:
    """The sizes and bounds a learner's spaces are made of, for one game."""

    slug: str
    state_size: int
    num_actions: int
    #: Bounds of every entry of the state encoding (environments/<game>/environment.py).
    low: float
    high: float
    #: The reward of a won match: an invalid action costs its player this much, as the
    #: arena counts an invalid action as that player's loss.
    win: float


# Per game, from its documented state encoding: (low, high, reward of a win). A game missing
# here still works, with unbounded observations and a win worth 1.
_ENCODINGS: dict[str, tuple[float, float, float]] = {
    # The cells and the mark to move are -1, 0 or 1.
    "tic-tac-toe": (-1.0, 1.0, 1.0),
    "connect-four": (-1.0, 1.0, 1.0),
    # Pieces 0-15 or -1 for an empty position; entry 16 is a piece.
    "quarto": (-1.0, 15.0, 100.0),
}


def shape_of(slug: str) -> GameShape:
    """The :class:`GameShape` of the game ``slug`` (raises ``UnknownEnvironmentError``)."""
    game = environments.new_game(slug)
    low, high, win = _ENCODINGS.get(slug, (-math.inf, math.inf, 1.0))
    return GameShape(slug, len(game.state()), game.num_actions, low, high, win)


def observation(state: Iterable[float]) -> np.ndarray:
    """The state as the float32 vector of the observation spaces (every entry is small and
    integral, so float32 holds each one exactly)."""
    return np.asarray(state, dtype=np.float32)


def action_mask(valid_actions: Iterable[int], num_actions: int) -> np.ndarray:
    """An int8 vector of ``num_actions``: 1 where the action is valid, else 0."""
    mask = np.zeros(num_actions, dtype=np.int8)
    mask[list(valid_actions)] = 1
    return mask
