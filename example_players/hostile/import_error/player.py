"""Hostile by mistake: imports a module that is not installed.

The arena must fail the start-up with Python's own words ("No module named ...") so the
participant knows what to add to requirements.txt, and count every match as this player's
error.
"""

from __future__ import annotations

import random

import nonexistent_arena_module_xyz  # noqa: F401
import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
