"""Hostile: in start() it opens /etc/shadow, which only root (or the shadow group) may read.

The arena must run players as an unprivileged user: the open raises PermissionError, which
ends the match as this player's error. If the read succeeds it logs only the size (never the
content) and plays on normally, so the test fails.
"""

from __future__ import annotations

import random

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        with open("/etc/shadow", "rb") as handle:
            size = len(handle.read())
        print(f"read_host_files: read {size} bytes of /etc/shadow")
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
