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

The website reads through the asynchronous side (:func:`async_channel`, :class:`Tails`): its
spectators' streams are coroutines of one event loop per web process, not threads. A crowd
watching one duel costs one reader of the channel per process, a :class:`Tail` that keeps the
duel's newest events in memory and wakes every spectator waiting for them; the channel itself
is only asked again by a spectator that has to catch up (a late joiner, a resumed stream).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import queue
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
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


class AsyncLiveChannel(Protocol):
    """The spectators' side of a channel, for an event loop."""

    async def read(
        self, duel_id: int, last_id: str | None, timeout: float
    ) -> list[tuple[str, Event]]: ...

    async def start_id(self, duel_id: int) -> str:
        """An id to read on from that skips what the channel holds now (its newest event)."""
        ...


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
        return _decode_entries(entries)


def _decode_entries(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> list[tuple[str, Event]]:
    return [
        (f"{entry.decode()}:{index}", event)
        for entry, fields in entries
        for index, event in enumerate(json.loads(fields[b"d"]))
    ]


class AsyncRedisChannel:
    """:class:`RedisChannel`'s reading side on ``redis.asyncio``: the same stream, ids and late
    join, for the coroutines of one event loop (a client belongs to the loop it was made in)."""

    def __init__(self, url: str, max_connections: int = 256) -> None:
        import redis.asyncio

        # A blocking pool: past max_connections a read waits for a connection instead of
        # opening one per spectator (only catch-ups and each duel's Tail read Redis; a Tail
        # holds one while it waits for events, and far fewer duels than this run at once).
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=None, health_check_interval=30
        )
        self.client = redis.asyncio.Redis(connection_pool=pool)

    async def read(
        self, duel_id: int, last_id: str | None, timeout: float
    ) -> list[tuple[str, Event]]:
        key = stream_key(duel_id)
        resumed = RedisChannel.ID.match(last_id or "")
        if resumed is None:
            return await self._late_join(key)
        entry, index = resumed.group(1), resumed.group(2)
        if index is not None:
            rest = _decode_entries(await self.client.xrange(key, min=entry, max=entry))
            if rest[int(index) + 1 :]:
                return rest[int(index) + 1 :]
        block = int(timeout * 1000)
        reply = await self.client.xread(
            {key: entry}, count=READ_BATCH, block=block if block else None
        )
        return _decode_entries(reply[0][1]) if reply else []

    async def start_id(self, duel_id: int) -> str:
        newest = await self.client.xrevrange(stream_key(duel_id), count=1)
        if not newest:
            return "0-0"  # a bare entry id: everything from the first entry on
        entry, fields = newest[0]
        return f"{entry.decode()}:{len(json.loads(fields[b'd'])) - 1}"

    async def _late_join(self, key: str) -> list[tuple[str, Event]]:
        recent = await self.client.xrevrange(key, count=MATCH_LOOKBACK)
        if not recent:
            return []
        for entry, fields in recent:
            kinds = fields.get(b"k", b"").decode().split(",")
            if "match" in kinds:
                start = len(kinds) - 1 - kinds[::-1].index("match")
                events = await self.client.xrange(key, min=entry, count=READ_BATCH)
                return _decode_entries(events)[start:]
        return _decode_entries(await self.client.xrange(key, min=recent[-1][0], count=READ_BATCH))


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
        # Event-loop readers (the website's streams) waiting for a publish: woken from the
        # publishing thread through their own loop.
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

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
            waiters, self._waiters = self._waiters, set()
        for loop, woken in waiters:
            # A closed loop (RuntimeError) has nobody waiting any more.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(woken.set)

    def read(self, duel_id: int, last_id: str | None, timeout: float) -> list[tuple[str, Event]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self._after(duel_id, last_id)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    async def aread(
        self, duel_id: int, last_id: str | None, timeout: float
    ) -> list[tuple[str, Event]]:
        """:meth:`read` for an event loop: it waits on an asyncio event, not a thread."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            woken = asyncio.Event()
            with self._changed:
                found = self._after(duel_id, last_id)
                remaining = deadline - loop.time()
                if found or remaining <= 0:
                    return found
                self._waiters.add((loop, woken))
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                with self._changed:
                    self._waiters.discard((loop, woken))

    def start_id(self, duel_id: int) -> str:
        with self._changed:
            stream = self._streams.get(duel_id)
            return str(stream.events[-1][0]) if stream and stream.events else "0"

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


class AsyncMemoryChannel:
    """The embedded mode's channel, read from an event loop."""

    def __init__(self, memory: MemoryChannel) -> None:
        self.memory = memory

    async def read(
        self, duel_id: int, last_id: str | None, timeout: float
    ) -> list[tuple[str, Event]]:
        return await self.memory.aread(duel_id, last_id, timeout)

    async def start_id(self, duel_id: int) -> str:
        return self.memory.start_id(duel_id)


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


# One asynchronous channel per event loop and settings: a redis.asyncio client belongs to the
# loop that made it (one loop per web process under uvicorn; a WSGI server makes one per stream,
# dropped with its loop).
_async_channels: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str], AsyncLiveChannel | None]
] = weakref.WeakKeyDictionary()


def async_channel() -> AsyncLiveChannel | None:
    """This event loop's view of the live channel, or None when live viewing is off."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL or ""
    kind = backend_kind(url)
    known = _async_channels.setdefault(asyncio.get_running_loop(), {})
    key = (kind, url)
    if key not in known:
        found: AsyncLiveChannel | None = None
        if kind == "redis":
            found = AsyncRedisChannel(url)
        elif kind == "memory":
            memory = channel()
            assert isinstance(memory, MemoryChannel)
            found = AsyncMemoryChannel(memory)
        known[key] = found
    return known[key]


# What a spectator is handed: the event's id, the event, and its text as the website sends it
# (made once per event for everyone watching from the Tail, not once per spectator).
Delivered = tuple[str, Event, str]


class Tail:
    """One duel's newest events in this process, read from the channel by a single task.

    Spectators that are up to date wait here and share what the task reads; one that is
    behind (its id is not among the kept events) catches up from the channel itself.
    """

    def __init__(
        self,
        source: AsyncLiveChannel,
        duel_id: int,
        encode: Callable[[str, Event], str],
        keep: int,
        wait: float,
    ) -> None:
        self.source = source
        self.duel_id = duel_id
        self.encode = encode
        self.keep = keep
        self.wait = wait
        self.watchers = 0
        self.origin: str | None = None  # the id the task read on from: all kept events follow it
        self._events: deque[Delivered] = deque()
        self._position: dict[str, int] = {}  # id -> running number of the kept events
        self._first = 0  # running number of self._events[0]
        self._new = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        # Not awaited: a command being cancelled may take its time to give its connection back,
        # and the spectator leaving (its response ending) must not wait for that.
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while self.origin is None:
            try:
                self.origin = await self.source.start_id(self.duel_id)
            except Exception as exc:
                log.warning("live channel of duel %s: %s; trying again", self.duel_id, exc)
                await asyncio.sleep(1)
        self._ready.set()
        cursor = self.origin
        while True:
            try:
                events = await self.source.read(self.duel_id, cursor, self.wait)
            except Exception as exc:
                log.warning("live channel of duel %s: %s; trying again", self.duel_id, exc)
                await asyncio.sleep(1)
                continue
            if events:
                cursor = events[-1][0]
                self._keep(events)

    def _keep(self, events: list[tuple[str, Event]]) -> None:
        for event_id, event in events:
            self._position[event_id] = self._first + len(self._events)
            self._events.append((event_id, event, self.encode(event_id, event)))
        while len(self._events) > self.keep:
            gone = self._events.popleft()
            del self._position[gone[0]]
            self._first += 1
        woken, self._new = self._new, asyncio.Event()
        woken.set()

    def after(self, last_id: str | None) -> list[Delivered] | None:
        """The kept events after ``last_id``; None when they cannot tell (ask the channel)."""
        if last_id is not None and last_id == self.origin:
            return list(itertools.islice(self._events, READ_BATCH))
        position = self._position.get(last_id or "")
        if position is None:
            return None
        start = position - self._first + 1
        return list(itertools.islice(self._events, start, start + READ_BATCH))

    async def read(self, last_id: str | None, timeout: float) -> list[Delivered]:
        """The events after ``last_id`` (a late joiner's: from the current match), waiting up
        to ``timeout`` seconds for new ones."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), max(timeout, 0.001))
        while True:
            woken = self._new  # taken before looking, so nothing new slips by unseen
            kept = self.after(last_id) if self._ready.is_set() else None
            if kept:
                return kept
            if kept is None:
                caught_up = await self.source.read(self.duel_id, last_id, 0)
                if caught_up:
                    return [(i, e, self.encode(i, e)) for i, e in caught_up]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                return []


class Tails:
    """The :class:`Tail` of each watched duel in this event loop, made by its first spectator
    and stopped when its last one leaves."""

    def __init__(
        self, encode: Callable[[str, Event], str], keep: int = 2000, wait: float = 15.0
    ) -> None:
        self.encode = encode
        self.keep = keep
        self.wait = wait
        self._tails: dict[tuple[int, int], Tail] = {}

    @asynccontextmanager
    async def watch(self, source: AsyncLiveChannel, duel_id: int) -> AsyncIterator[Tail]:
        key = (id(asyncio.get_running_loop()), duel_id)
        tail = self._tails.get(key)
        if tail is None or tail.source is not source:
            tail = self._tails[key] = Tail(source, duel_id, self.encode, self.keep, self.wait)
            tail.start()
        tail.watchers += 1
        try:
            yield tail
        finally:
            tail.watchers -= 1
            if tail.watchers == 0 and self._tails.get(key) is tail:
                del self._tails[key]
                tail.stop()


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
