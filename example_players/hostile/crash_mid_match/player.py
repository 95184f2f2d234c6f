"""Hostile: plays at random, then kills its own process with ``os._exit(3)`` in the middle of
a match: on its 3rd step() call, and never during the first match its process plays (so the
crash always lands mid-match and each fresh process finishes one match cleanly first).

The arena must end that match as this player's error ("exited with code 3"), restart the
player for the next match and keep the duel going.
"""

from __future__ import annotations

import os
import random

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()
        self.steps = 0
        self.matches_ended = 0

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        self.steps += 1
        if self.steps >= 3 and self.matches_ended >= 1:
            print(f"crash_mid_match: exiting with code 3 on step() call {self.steps}", flush=True)
            os._exit(3)
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        self.matches_ended += 1
