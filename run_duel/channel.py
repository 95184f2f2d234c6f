"""Line-oriented talk with a sandboxed player over file descriptors, with deadlines.

One thread, no queues: ``select`` waits on the protocol stream and the log stream together,
so the log is drained while we wait for an answer (a player writing megabytes to stderr never
blocks on a full pipe) and a deadline is one ``select`` timeout.

The player runs in the same process as the harness, so it can reach the protocol stream and
write anything there, or stop reading it. The channel therefore trusts nothing it reads:

- a line is at most ``max_line`` bytes (:data:`DEFAULT_MAX_LINE`), and the channel never
  holds more than that (plus one read) of an unfinished line (:class:`LineTooLong`);
- every descriptor is non-blocking, so sending has a deadline too: a player that stops
  reading times out like one that stops answering;
- draining the log is bounded in time and in bytes, however fast the player writes.
"""

from __future__ import annotations

import os
import select
import time

from run_duel.text import clean

DEFAULT_MAX_LINE = 1 << 20  # 1 MiB: a Connect Four state is 1 kB of JSON
_READ_SIZE = 1 << 16


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
        """The kept log as text, without control characters (NUL never reaches a database)."""
        tail = bytes(self._tail[-self._tail_limit :]) if self._tail else b""
        head = bytes(self._head).decode("utf-8", "replace")
        if self.skipped > 0:
            marker = f"\n[... {self.skipped:,} bytes of log skipped ...]\n"
            return clean(head + marker + tail.decode("utf-8", "replace"))
        return clean(head + tail.decode("utf-8", "replace"))

    def last_lines(self, max_lines: int = 20, max_chars: int = 2000) -> str:
        text = self.text()[-max_chars:]
        return "\n".join(text.splitlines()[-max_lines:])


class ChannelTimeout(Exception):
    pass


class ChannelClosed(Exception):
    pass


class LineTooLong(Exception):
    """The player wrote more than the channel's ``max_line`` bytes without a newline."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"wrote a line longer than {limit:,} bytes to the arena's protocol stream")
        self.limit = limit


class Channel:
    """Sends lines to ``out_fd`` and reads lines from ``in_fd``; ``log_fd`` feeds ``log``."""

    def __init__(
        self,
        in_fd: int,
        out_fd: int,
        log_fd: int | None,
        log: CappedLog,
        *,
        max_line: int = DEFAULT_MAX_LINE,
    ) -> None:
        self._in = in_fd
        self._out = out_fd
        self._log_fd = log_fd
        self.log = log
        self.max_line = max_line
        self._buffer = bytearray()
        self._fds = [in_fd] if log_fd is None else [in_fd, log_fd]
        # Non-blocking everywhere: a write to a player that stopped reading must not hang.
        for fd in {in_fd, out_fd, *([log_fd] if log_fd is not None else [])}:
            os.set_blocking(fd, False)

    def send(self, data: bytes, timeout: float) -> None:
        """Write all of ``data`` within ``timeout`` seconds, draining the log meanwhile."""
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        try:
            while view:
                try:
                    view = view[os.write(self._out, view) :]
                    continue
                except BlockingIOError:
                    pass
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout
                logs = [self._log_fd] if self._log_fd is not None else []
                readable, _, _ = select.select(logs, [self._out], (), remaining)
                if readable:
                    self._read_log()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed from exc

    def read_line(self, timeout: float) -> bytes:
        """The next line (without its newline) within ``timeout`` seconds.

        Raises :class:`ChannelTimeout`, :class:`ChannelClosed`, or :class:`LineTooLong` as soon
        as more than ``max_line`` bytes came without a newline.
        """
        buffer = self._buffer
        end = buffer.find(b"\n")
        if end < 0:
            deadline = time.monotonic() + timeout
            while end < 0:
                if len(buffer) > self.max_line:
                    raise LineTooLong(self.max_line)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout
                ready, _, _ = select.select(self._fds, (), (), remaining)
                for fd in ready:
                    if fd == self._in:
                        chunk = _read(fd)
                        if chunk is None:
                            continue
                        if not chunk:
                            raise ChannelClosed
                        start = len(buffer)
                        buffer += chunk
                        end = buffer.find(b"\n", start)
                    else:
                        self._read_log()
        if end > self.max_line:
            raise LineTooLong(self.max_line)
        line = bytes(buffer[:end])
        del buffer[: end + 1]
        return line

    def drain_log(self, timeout: float = 0.0, max_bytes: int = 4 << 20) -> None:
        """Read what the log holds now; with a timeout, until it closes or the time is up.

        Stops after ``max_bytes`` too: a player writing without pause must not keep us here.
        """
        deadline = time.monotonic() + timeout
        start = self.log.total
        while self._log_fd is not None and self.log.total - start < max_bytes:
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
        elif chunk is not None:
            self._fds.remove(self._log_fd)
            self._log_fd = None


def _read(fd: int) -> bytes | None:
    """What ``fd`` holds now; ``b""`` when it is closed, None when it has nothing yet."""
    try:
        return os.read(fd, _READ_SIZE)
    except BlockingIOError:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return b""
