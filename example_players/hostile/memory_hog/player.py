"""Hostile: in start() it allocates 50 MiB blocks, filled so that they are really resident,
until something stops it.

The arena must enforce the memory limit (256m in this test): under Docker the kernel kills the
container, in the process sandbox the address-space limit turns into a MemoryError. Either
way the match is this player's error. If it gets to 1 GiB unharmed, the limit is not enforced:
it then gives up (so as not to take the machine down) and plays on normally, and the test
fails.
"""

from __future__ import annotations

import random

import numpy as np

BLOCK = 50 << 20
GIVE_UP = 1 << 30


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        blocks = []
        while len(blocks) * BLOCK < GIVE_UP:
            blocks.append(b"\x01" * BLOCK)  # written byte by byte: resident, not just reserved
        print(f"memory_hog: allocated {len(blocks) * BLOCK >> 20} MiB, nothing stopped me")
        del blocks
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
