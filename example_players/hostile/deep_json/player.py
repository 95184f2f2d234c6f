"""Hostile: finds the harness's private copy of the protocol stream and, while it starts,
writes a line of 5,000 ``[`` there, which no JSON parser can decode without recursing too deep.

The arena must blame the player: it fails to start ("wrote to the arena's protocol stream"),
forfeits its matches, and the duel is recorded normally (never an arena error, never retried).
"""

from __future__ import annotations

import os
import stat

import numpy as np


def protocol_streams() -> list[int]:
    """The harness's protocol descriptors: the pipes and sockets above fd 2."""
    return [fd for fd in range(3, 64) if _is_stream(fd)]


def _is_stream(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode)


for fd in protocol_streams():
    try:
        os.write(fd, b"[" * 5000 + b"\n")
    except OSError:
        pass  # the read end of a pipe


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(valid_actions[0])

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(valid_actions[0])

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
