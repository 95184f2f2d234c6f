"""Benchmark player: in its first move it writes 1.5 GB on the protocol stream with no newline
(then a newline and a fake answer, so that an unbounded reader finishes too)."""

import os
import stat

FLOOD_BYTES = 1536 * 1024 * 1024
CHUNK = b"A" * (1 << 20)


def _protocol_stream() -> int | None:
    for fd in range(3, 64):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            try:
                os.write(fd, b"")
                return fd
            except OSError:
                continue
    return None


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state, valid_actions) -> int:
        fd = _protocol_stream()
        if fd is not None:
            try:
                for _ in range(FLOOD_BYTES // len(CHUNK)):
                    os.write(fd, CHUNK)
                os.write(fd, b'\n{"action": 0}\n')
            except OSError:
                pass  # the arena hung up: it refused the line
        return int(valid_actions[0])

    def step(self, state, valid_actions, prev_reward) -> int:
        return int(valid_actions[0])

    def end(self, state, prev_reward) -> None:
        pass
