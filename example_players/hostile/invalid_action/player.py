"""Hostile: always answers an action that is not in ``valid_actions``: a cell that is already
taken when there is one, else 99 (no such cell).

The arena must refuse the action without applying it and end the match as this player's
error ("not valid"); the process is still healthy and plays the next match.
"""

from __future__ import annotations

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return self._invalid(state)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self._invalid(state)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass

    def _invalid(self, state: np.ndarray) -> int:
        taken = np.flatnonzero(state[:9])
        return int(taken[0]) if len(taken) else 99
