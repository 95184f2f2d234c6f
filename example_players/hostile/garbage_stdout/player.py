"""Hostile: prints garbage through every route to standard output it can find (print(),
``sys.stdout.write``, ``sys.__stdout__`` and the raw file descriptor 1), at import and on every
move, including lines that look like protocol answers; yet it plays valid random moves.

The arena must keep its protocol out of the player's reach: all of this lands in the player's
log (marker GARBAGE-STDOUT-7F3A) and no match is harmed.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

MARKER = "GARBAGE-STDOUT-7F3A"


def spray(when: str) -> None:
    print(f"{MARKER} print() {when}")
    print('{"action": 99}')  # a fake protocol answer
    sys.stdout.write(f"{MARKER} sys.stdout.write {when} \x00\x1b[31m\xff no newline")
    sys.stdout.flush()
    if sys.__stdout__ is not None:
        sys.__stdout__.write(f'{MARKER} sys.__stdout__ {when}\n{{"ready": true}}\n')
        sys.__stdout__.flush()
    os.write(1, f'{MARKER} fd 1 {when}\n{{"error": "fake"}}\n'.encode() + b"\xff\xfe\x00 bytes\n")


spray("at import")


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        spray("in start()")
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        spray("in step()")
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        spray("in end()")
