"""Hostile: in its first ``start()`` it writes to the protocol stream without end and never a
newline (the attack that made the 2019-style reader buffer 1.5 GB).

The arena must read at most its line limit (1 MiB by default), blame the player ("wrote a line
longer than ..."), kill it, and stay small in memory whatever the player writes.
"""

from __future__ import annotations

import os
import stat

import numpy as np

CHUNK = b"A" * (1 << 16)


def protocol_streams() -> list[int]:
    """The harness's protocol descriptors: the pipes and sockets above fd 2."""
    return [fd for fd in range(3, 64) if _is_stream(fd)]


def _is_stream(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode)


def flood() -> None:
    """Write chunks with no newline to every protocol stream until the arena hangs up."""
    streams = protocol_streams()
    while streams:
        for fd in list(streams):
            try:
                os.write(fd, CHUNK)
            except OSError:
                streams.remove(fd)  # the read end of a pipe, or the arena hung up


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        flood()
        return int(valid_actions[0])

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        flood()
        return int(valid_actions[0])

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
