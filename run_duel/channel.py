"""Line-oriented talk with a sandboxed player over file descriptors, with deadlines.

One thread, no queues: ``select`` waits on the protocol stream and the log stream together,
so the log is drained while we wait for an answer (a player writing megabytes to stderr never
blocks on a full pipe) and a deadline is one ``select`` timeout.
"""

from __future__ import annotations

import os
import select
import time


class CappedLog:
    """A player's log, capped: the first ``head`` bytes and the last ``tail`` bytes are kept."""

    def __init__(self, head: int = 64 * 1024, tail: int = 64 * 1024) -> None:
        self._head_limit = head
        self._tail_limit = tail
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def write(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > 2 * self._tail_limit:  # trim in batches, not on every write
                del self._tail[: len(self._tail) - self._tail_limit]

    @property
    def skipped(self) -> int:
        return self.total - len(self._head) - min(len(self._tail), self._tail_limit)

    def text(self) -> str:
        tail = bytes(self._tail[-self._tail_limit :]) if self._tail else b""
        head = bytes(self._head).decode("utf-8", "replace")
        if self.skipped > 0:
            marker = f"\n[... {self.skipped:,} bytes of log skipped ...]\n"
            return head + marker + tail.decode("utf-8", "replace")
        return head + tail.decode("utf-8", "replace")

    def last_lines(self, max_lines: int = 20, max_chars: int = 2000) -> str:
        text = self.text()[-max_chars:]
        return "\n".join(text.splitlines()[-max_lines:])


class ChannelTimeout(Exception):
    pass


class ChannelClosed(Exception):
    pass


class Channel:
    """Sends lines to ``out_fd`` and reads lines from ``in_fd``; ``log_fd`` feeds ``log``."""

    def __init__(self, in_fd: int, out_fd: int, log_fd: int | None, log: CappedLog) -> None:
        self._in = in_fd
        self._out = out_fd
        self._log_fd = log_fd
        self.log = log
        self._buffer = bytearray()
        self._fds = [in_fd] if log_fd is None else [in_fd, log_fd]

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._out, view) :]
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed from exc

    def read_line(self, timeout: float) -> bytes:
        buffer = self._buffer
        end = buffer.find(b"\n")
        if end < 0:
            deadline = time.monotonic() + timeout
            while end < 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout
                ready, _, _ = select.select(self._fds, (), (), remaining)
                for fd in ready:
                    if fd == self._in:
                        chunk = _read(fd)
                        if not chunk:
                            raise ChannelClosed
                        start = len(buffer)
                        buffer += chunk
                        end = buffer.find(b"\n", start)
                    else:
                        self._read_log()
        line = bytes(buffer[:end])
        del buffer[: end + 1]
        return line

    def drain_log(self, timeout: float = 0.0) -> None:
        """Read what the log holds now; with a timeout, until it closes or the time is up."""
        deadline = time.monotonic() + timeout
        while self._log_fd is not None:
            ready, _, _ = select.select(
                [self._log_fd], (), (), max(0.0, deadline - time.monotonic())
            )
            if not ready:
                return
            self._read_log()

    def _read_log(self) -> None:
        assert self._log_fd is not None
        chunk = _read(self._log_fd)
        if chunk:
            self.log.write(chunk)
        else:
            self._fds.remove(self._log_fd)
            self._log_fd = None


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 1 << 16)
    except (ConnectionResetError, BrokenPipeError):
        return b""
