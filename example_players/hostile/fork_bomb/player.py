"""Hostile: a fork bomb. In start() it forks without end, and every child forks too; when
fork() fails (the pids limit) they all keep trying.

The arena must contain it with the container's pids limit, time the call out, and remove the
container with every process in it. The local process sandbox cannot contain a fork bomb, so
this player refuses to fork outside a Docker container (raising RuntimeError instead).
"""

from __future__ import annotations

import os

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        if not os.path.exists("/.dockerenv"):
            raise RuntimeError("fork_bomb refuses to run outside a Docker container")
        while True:
            try:
                os.fork()
            except OSError:
                pass

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(valid_actions[0])

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
