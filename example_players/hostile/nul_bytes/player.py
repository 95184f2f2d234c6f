"""Hostile: writes NUL bytes and terminal escapes to its log and raises exceptions whose
message holds NUL and control characters (PostgreSQL refuses NUL in text and JSON).

The arena cleans every text a player sends where it enters: the error and the log reach the
duel record and the database without a control character.
"""

from __future__ import annotations

import sys

import numpy as np

NASTY = "nul\x00bell\x07escape\x1b[2Jdel\x7f"

sys.stderr.write(f"NUL-BYTES-LOG {NASTY}\n")


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        print(NASTY * 100)
        raise RuntimeError(NASTY)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        print(NASTY * 100)
        raise RuntimeError(NASTY)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
