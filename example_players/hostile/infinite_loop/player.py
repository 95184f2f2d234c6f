"""Hostile: plays its first move, then spins forever (``while True: pass``) in step().

The arena must give up on the call at the move deadline ("timed out"), kill the busy process,
and restart it for the next match (where it hangs again) or forfeit it after a few restarts.
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
        while True:
            pass

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
