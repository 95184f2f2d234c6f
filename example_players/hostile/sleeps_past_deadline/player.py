"""Hostile: sleeps 5 seconds in start(), past a 1-second move deadline.

Unlike a busy loop it uses no CPU: the arena must time the call out on the wall clock
("timed out"), not on CPU time, and must not wait for the late answer.
"""

from __future__ import annotations

import random
import time

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        time.sleep(5)
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
