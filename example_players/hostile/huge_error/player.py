"""Hostile: every move raises an exception whose message is 20 MB.

The arena keeps a few kB of what a player says: each match's error is capped, the duel keeps a
bounded amount of error text in all, so the duel record, the database rows and the live stream
stay small.
"""

from __future__ import annotations

import numpy as np

HUGE = "E" * (20 * 1024 * 1024)


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        raise ValueError(HUGE)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        raise ValueError(HUGE)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
