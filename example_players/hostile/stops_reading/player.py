"""Hostile: in its first ``start()`` it writes thousands of answers in advance on the protocol
stream (each an invalid action, so every match it plays ends at once as its error), then
sleeps without reading another request.

The arena reads those answers as fast as it can send requests, until the player's side of the
stream is full and a send blocks. Sending has the move's deadline: the player times out ("timed
out"), is restarted twice, then forfeits, and the duel ends in bounded time.
"""

from __future__ import annotations

import os
import stat
import time

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


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        answers = b'{"action": 99}\n' * 20000
        for fd in protocol_streams():
            try:
                os.write(fd, answers)
                break  # the socket's two copies are one stream: answer once
            except OSError:
                continue  # the read end of a pipe
        time.sleep(3600)
        return int(valid_actions[0])

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self.start(state, valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
