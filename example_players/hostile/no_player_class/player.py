"""Hostile by mistake: the class is called ``Agent``, not ``Player``.

The arena must fail the start-up with a message that says so ("no class Player") and count
every match of the duel as this player's error.
"""

from __future__ import annotations

import random

import numpy as np


class Agent:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
