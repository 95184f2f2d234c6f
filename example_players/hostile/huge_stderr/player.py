"""Hostile: writes 21 MiB to standard error at import (in 64 KiB chunks) and 1 MiB more on
every move, while playing valid random moves.

The arena must keep draining the log while it waits (a full pipe would block the player and
look like a hang) and keep only its head and tail in memory; no match is harmed.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

CHUNK = ("huge_stderr " + "x" * 1011 + "\n") * 64  # 64 KiB of 1 KiB lines


def flood(mebibytes: int) -> None:
    for i in range(16 * mebibytes):
        if i % 2:
            sys.stderr.write(CHUNK)
        else:
            os.write(2, CHUNK.encode())
    sys.stderr.flush()


print("HUGE-STDERR-BEGIN", file=sys.stderr, flush=True)
flood(21)


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        flood(1)
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        flood(1)
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
