"""The channel trusts nothing the player writes: bounded lines, sends with a deadline, a
bounded log drain, and clean text."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from run_duel.channel import CappedLog, Channel, ChannelTimeout, LineTooLong
from run_duel.errors import PlayerFailure
from run_duel.text import MESSAGE_CHARS, player_text


@pytest.fixture
def pair():
    """Our end and the player's end of a protocol stream, plus a log pipe."""
    ours, theirs = socket.socketpair()
    log_read, log_write = os.pipe()
    channel = Channel(ours.fileno(), ours.fileno(), log_read, CappedLog(), max_line=1000)
    yield channel, theirs, log_write
    for closable in (ours, theirs):
        closable.close()
    for fd in (log_read, log_write):
        os.close(fd)


def test_it_reads_lines_up_to_the_limit(pair):
    channel, theirs, _ = pair
    theirs.sendall(b"x" * 1000 + b"\n" + b'{"action": 1}\n')
    assert channel.read_line(1.0) == b"x" * 1000
    assert channel.read_line(1.0) == b'{"action": 1}'


def test_it_refuses_a_line_over_the_limit_without_reading_it_all(pair):
    channel, theirs, _ = pair

    def flood():
        try:
            for _ in range(10_000):  # 640 MB if the channel read it all
                theirs.sendall(b"A" * 65536)
        except OSError:
            pass  # we hung up

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    with pytest.raises(LineTooLong, match="longer than 1,000 bytes"):
        channel.read_line(5.0)
    assert len(channel._buffer) <= 1000 + 65536  # the limit plus one read, never more
    theirs.shutdown(socket.SHUT_RDWR)
    thread.join(5)


def test_a_finished_line_over_the_limit_is_refused_too(pair):
    channel, theirs, _ = pair
    theirs.sendall(b"x" * 1500 + b"\n")
    with pytest.raises(LineTooLong):
        channel.read_line(1.0)


def test_sending_to_a_player_that_stopped_reading_times_out(pair):
    channel, _theirs, _ = pair
    with pytest.raises(ChannelTimeout):
        channel.send(b"y" * (64 << 20), timeout=0.3)  # far more than any socket buffer


def test_draining_the_log_stops_after_its_byte_bound(pair):
    channel, _, log_write = pair
    os.set_blocking(log_write, False)
    written = 0
    try:
        while written < 4 << 20:
            written += os.write(log_write, b"L" * 65536)
    except BlockingIOError:
        pass
    channel.drain_log(timeout=1.0, max_bytes=65536)
    assert 0 < channel.log.total <= 2 * 65536


def test_the_log_text_keeps_no_control_characters():
    log = CappedLog()
    log.write(b"a\x00b\x1b[31mc\td\ne\x7f")
    assert log.text() == "ab[31mc\td\ne"


def test_player_texts_are_capped_and_cleaned():
    text = player_text("E\x00" * 10_000_000)
    assert len(text) <= MESSAGE_CHARS
    assert "\x00" not in text and "more characters cut" in text
    failure = PlayerFailure("raised " + "x" * 10**7, log_tail="\x00tail" * 10**6)
    assert len(failure.summary) <= MESSAGE_CHARS and len(failure.log_tail) <= 1500
    assert "\x00" not in failure.log_tail
