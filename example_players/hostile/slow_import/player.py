"""Not hostile, just slow: sleeps 3 seconds at import time, then plays at random.

Loading a model can take a while: the arena must allow for it with the start-up timeout
(10 s here), not the per-move one (1 s here), and no match is harmed.
"""

from __future__ import annotations

import random
import time

import numpy as np

time.sleep(3)


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
