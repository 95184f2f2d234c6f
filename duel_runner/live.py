"""The live channel: a running duel publishes its events once, any number of spectators read.

The duel's worker writes each event of :func:`run_duel.run_duel`'s observer (match started,
move, match ended, duel ended) into one channel per duel; every spectator's stream reads from
there at its own pace, so spectators never reach the worker and cannot slow the duel.

Two backends, chosen from the settings:

- Redis Streams when the broker is Redis (production, several processes): one stream per duel,
  ``arena:live:duel:<pk>``, its entries holding a few events each, trimmed to at most about
  ``ARENA_LIVE_MAXLEN`` events and expiring
  ``ARENA_LIVE_KEEP_SECONDS`` after the duel ends (or after an hour of silence, should its
  worker die). Readers ``XREAD BLOCK`` from the last id they saw.
- In memory in this process for the embedded mode (no broker): the duel runs in the same
  process as the website, so a dict behind a condition variable is all it takes.

Event ids are opaque strings, handed to the browser as SSE ids and back as ``Last-Event-ID``.
A reader without an id (a late joiner) starts at the start of the current match.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import queue
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

Event = dict[str, Any]
# How far back a late joiner looks for the start of the current match: longer than any match.
MATCH_LOOKBACK = 400
# A stream whose duel never said it ended (its worker died) still goes away after this long.
SILENT_EXPIRY_SECONDS = 3600
READ_BATCH = 1000
BATCH_SECONDS = 0.05


class LiveChannel(Protocol):
    def publish(self, duel_id: int, events: list[Event]) -> None: ...

    def read(
        self, duel_id: int, last_id: str | None, timeout: float
    ) -> list[tuple[str, Event]]: ...


def stream_key(duel_id: int) -> str:
    return f"arena:live:duel:{duel_id}"


def _current_match_start(events: list[tuple[str, str]]) -> str | None:
    """The id of the newest ``match`` event among (id, kind) pairs, newest first."""
    return next((event_id for event_id, kind in events if kind == "match"), None)


class RedisChannel:
    """Redis Streams: XADD by the worker, XREAD BLOCK by each spectator's stream.

    A stream entry holds up to ``CHUNK`` consecutive events (field ``d``, a JSON list; field
    ``k``, their kinds): one command per chunk instead of one per move, which a fast duel (a
    move every 0.1 ms) would feel. An event's id is ``<entry id>:<index in the entry>``, so a
    reader resumes exactly where it left off, inside an entry too. The stream keeps about
    ``maxlen // CHUNK`` entries: between that many events for a slow duel (more than any match
    needs) and ``maxlen`` for a fast one.
    """

    # An event's id; a bare entry id (``0-0``: from the first event) resumes after that entry.
    ID = re.compile(r"^(\d+-\d+)(?::(\d+))?$")
    CHUNK = 16

    def __init__(self, url: str, maxlen: int, keep_seconds: int) -> None:
        import redis

        # No socket timeout for readers: XREAD BLOCK waits up to the heartbeat on purpose.
        self.client = redis.Redis.from_url(url, health_check_interval=30)
        self.maxlen = max(MATCH_LOOKBACK, maxlen // self.CHUNK)
        self.keep_seconds = keep_seconds

    def publish(self, duel_id: int, events: list[Event]) -> None:
        key = stream_key(duel_id)
        # One round trip for the whole batch, one entry per chunk of it.
        pipe = self.client.pipeline(transaction=False)
        for first in range(0, len(events), self.CHUNK):
            chunk = events[first : first + self.CHUNK]
            fields = {
                "k": ",".join(event["kind"] for event in chunk),
                "d": json.dumps(chunk, separators=(",", ":")),
            }
            pipe.xadd(key, fields, maxlen=self.maxlen, approximate=True)
        ended = any(event["kind"] == "duel_end" for event in events)
        pipe.expire(key, self.keep_seconds if ended else SILENT_EXPIRY_SECONDS)
        pipe.execute()

    def read(self, duel_id: int, last_id: str | None, timeout: float) -> list[tuple[str, Event]]:
        key = stream_key(duel_id)
        resumed = self.ID.match(last_id or "")
        if resumed is None:
            return self._late_join(key)
        entry, index = resumed.group(1), resumed.group(2)
        if index is not None:
            # The rest of the entry the reader stopped in, if it stopped inside one.
            rest = self._decode(self.client.xrange(key, min=entry, max=entry))[int(index) + 1 :]
            if rest:
                return rest
        block = int(timeout * 1000)
        reply = self.client.xread({key: entry}, count=READ_BATCH, block=block if block else None)
        return self._decode(reply[0][1]) if reply else []

    def _late_join(self, key: str) -> list[tuple[str, Event]]:
        """From the start of the current match (everything, before the first one)."""
        recent = self.client.xrevrange(key, count=MATCH_LOOKBACK)
        if not recent:
            return []
        for entry, fields in recent:
            kinds = fields.get(b"k", b"").decode().split(",")
            if "match" in kinds:
                start = len(kinds) - 1 - kinds[::-1].index("match")
                events = self._decode(self.client.xrange(key, min=entry, count=READ_BATCH))
                return events[start:]
        return self._decode(self.client.xrange(key, min=recent[-1][0], count=READ_BATCH))

    @staticmethod
    def _decode(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> list[tuple[str, Event]]:
        return [
            (f"{entry.decode()}:{index}", event)
            for entry, fields in entries
            for index, event in enumerate(json.loads(fields[b"d"]))
        ]


@dataclass
class _Stream:
    events: deque[tuple[int, Event]]
    ended: float | None = None
    touched: float = field(default_factory=time.monotonic)


class MemoryChannel:
    """The embedded mode's channel: the duel and the website share this process."""

    def __init__(self, maxlen: int, keep_seconds: int) -> None:
        self.maxlen = maxlen
        self.keep_seconds = keep_seconds
        self._changed = threading.Condition()
        self._streams: dict[int, _Stream] = {}
        self._ids = itertools.count(1)  # one sequence for all duels: ids never repeat

    def publish(self, duel_id: int, events: list[Event]) -> None:
        now = time.monotonic()
        with self._changed:
            self._expire(now)
            stream = self._streams.setdefault(duel_id, _Stream(deque(maxlen=self.maxlen)))
            for event in events:
                stream.events.append((next(self._ids), event))
                if event["kind"] == "duel_end":
                    stream.ended = now
            stream.touched = now
            self._changed.notify_all()

    def read(self, duel_id: int, last_id: str | None, timeout: float) -> list[tuple[str, Event]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self._after(duel_id, last_id)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def _after(self, duel_id: int, last_id: str | None) -> list[tuple[str, Event]]:
        stream = self._streams.get(duel_id)
        if stream is None:
            return []
        events = list(stream.events)
        if last_id is not None and last_id.isdigit():
            after = int(last_id)
            chosen = [(i, e) for i, e in events if i > after]
        else:
            newest_first = [(str(i), e["kind"]) for i, e in reversed(events)]
            start = int(_current_match_start(newest_first) or events[0][0])
            chosen = [(i, e) for i, e in events if i >= start]
        return [(str(i), e) for i, e in chosen[:READ_BATCH]]

    def _expire(self, now: float) -> None:
        for duel_id, stream in list(self._streams.items()):
            ended = stream.ended is not None and now - stream.ended > self.keep_seconds
            if ended or now - stream.touched > SILENT_EXPIRY_SECONDS:
                del self._streams[duel_id]


@functools.lru_cache(maxsize=4)
def _channel_for(kind: str, url: str, maxlen: int, keep_seconds: int) -> LiveChannel | None:
    if kind == "redis":
        return RedisChannel(url, maxlen, keep_seconds)
    if kind == "memory":
        return MemoryChannel(maxlen, keep_seconds)
    return None


def backend_kind(broker_url: str) -> str:
    """``redis`` with a Redis broker, ``memory`` without a broker, else ``none``: another
    broker gives no way to share events between processes, so live viewing is off."""
    if broker_url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    return "none" if broker_url else "memory"


def channel() -> LiveChannel | None:
    """This process's live channel, or None when live viewing is not available."""
    # Deferred: the rest of this module (the channels) is used and tested without Django.
    from django.conf import settings

    url = settings.CELERY_BROKER_URL or ""
    return _channel_for(
        backend_kind(url), url, settings.ARENA_LIVE_MAXLEN, settings.ARENA_LIVE_KEEP_SECONDS
    )


class Publisher:
    """The observer handed to :func:`run_duel.run_duel`: it only queues each event; a thread
    of its own sends them in batches, so the duel never waits for the channel.

    A failing channel (Redis down) costs the spectators their view, never the duel: the
    events are dropped and the failure is logged once.
    """

    _STOP: Event = {"kind": "_stop"}

    def __init__(self, target: LiveChannel | None, duel_id: int) -> None:
        self.target = target
        self.duel_id = duel_id
        self._queue: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._failed = False
        if target is not None:
            self._thread = threading.Thread(
                target=self._run, name=f"live-duel-{duel_id}", daemon=True
            )
            self._thread.start()

    def __call__(self, event: Event) -> None:
        if self._thread is not None:
            self._queue.put(event)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(self._STOP)
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> None:
        assert self.target is not None
        while True:
            batch = [self._queue.get()]
            while len(batch) < 5 * READ_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(event is self._STOP for event in batch)
            events = [event for event in batch if event is not self._STOP]
            if events:
                try:
                    self.target.publish(self.duel_id, events)
                except Exception as exc:
                    if not self._failed:
                        log.warning("live events of duel %s are not sent: %s", self.duel_id, exc)
                    self._failed = True
            if stop:
                return
            # Spectators cannot tell 50 ms apart; the duel's thread can: fewer, larger batches
            # leave it the interpreter for longer (a fast duel plays a move every 0.1 ms).
            time.sleep(BATCH_SECONDS)
