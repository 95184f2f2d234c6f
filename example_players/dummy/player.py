"""Dummy player: always answers the first (smallest) valid action, in every game.

Deterministic and instant, so it is handy in tests that need a predictable opponent. Because
``valid_actions`` is in ascending order, the first one is the lowest cell in tic-tac-toe, the
leftmost open column in connect-four and the lowest position with the lowest piece in quarto.
"""

from __future__ import annotations

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.train_mode = train_mode

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(valid_actions[0])

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(valid_actions[0])

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
