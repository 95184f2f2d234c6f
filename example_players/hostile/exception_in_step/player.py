"""Hostile: plays a random first move, then raises ValueError in step().

The arena must report the exception by its class name ("ValueError") with the traceback in the
player's log, and end only that match as this player's error.
"""

from __future__ import annotations

import random

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        raise ValueError("exception_in_step: this player always fails in step()")

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
