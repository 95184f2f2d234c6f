"""The inbox of a human match: the page's messages, on their way to whoever holds the match;
and its outbox: the holder's news after each saved move, for a remote client waiting on it.

The website sends (:func:`send`, after checking the move); the holder of the agent's sandbox
waits (:func:`waiter` on a worker, :func:`open_here` in the embedded mode). Two messages:
``{"ply": n, "action": a}``, the human's move when ``n`` moves were played (so a late
duplicate click is recognised), and ``{"leave": true}``.

- With a broker (production): a Redis list per match, which the worker holding it waits on
  with BLPOP; the web and the workers are different processes, often different machines.
- Without one (the embedded ``make demo``): a thread of the serving process holds the match
  (:func:`duel_runner.human_matches.start`), fed by a queue of this process.

The outbox goes the other way, for remote matches only (``arena connect``: the page polls
its match instead): the holder :func:`tell` s ``{"ply": n, "client_next": true, "actions":
..., "rewards": ..., "state": ...}`` once the n-th move is saved and the client is to move
(n = 0: the sandbox is up), and ``{"over": true}`` once the match is recorded; the API's move
request, having sent the client's move, :func:`wait_for_news` until the agent's reply is
saved, and answers from the news itself: no polling, no read of the row (the end alone is read
from the row, which holds its result).
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import queue
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings

Message = dict[str, Any]
# Returns the next message for the match, or None when the given seconds passed without one.
WaitForMessage = Callable[[float], "Message | None"]


def embedded() -> bool:
    """No broker: tasks run in the process that sends them, so matches are held here."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def inbox_key(match_id: int) -> str:
    return f"arena:play:{match_id}:inbox"


def outbox_key(match_id: int) -> str:
    return f"arena:play:{match_id}:outbox"


def _expiry() -> int:
    # Never outlive the match by much, whatever happens to its worker.
    return math.ceil(settings.ARENA_PLAY_IDLE_TIMEOUT) + 60


def send(match_id: int, message: Message) -> None:
    """Hand a message from the page (a move, leaving) to whoever holds the match."""
    if embedded():
        inbox = _here.get(match_id)
        if inbox is not None:
            inbox.put(message)
        return
    client = _redis()
    key = inbox_key(match_id)
    client.rpush(key, json.dumps(message))
    client.expire(key, _expiry())


def tell(match_id: int, news: Message) -> None:
    """The holder of a remote match: a move was saved, or the match is over (see above)."""
    if embedded():
        outbox = _out.get(match_id)
        if outbox is not None:
            outbox.put(news)
        return
    key = outbox_key(match_id)
    # One round trip: the news and its expiry together.
    _redis().pipeline(transaction=False).rpush(key, json.dumps(news)).expire(
        key, _expiry()
    ).execute()


def wait_for_news(match_id: int, timeout: float) -> Message | None:
    """The match's next news within ``timeout`` seconds, else None (at once when the match is
    held by no thread of this process, in the embedded mode: no news will come)."""
    if timeout <= 0:  # BLPOP's 0 would mean "forever"
        return None
    if embedded():
        outbox = _out.get(match_id)
        if outbox is None:
            return None
        try:
            return outbox.get(timeout=timeout)
        except queue.Empty:
            return None
    popped = _redis().blpop([outbox_key(match_id)], timeout=timeout)
    return None if popped is None else json.loads(popped[1])


@functools.cache
def _redis() -> Any:
    import redis  # deferred: only a process with a broker ever needs the client

    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=_read_timeout())


def _read_timeout() -> float:
    """The clients' socket timeout: longer than any BLPOP here waits (the idle timeout, a
    web request's wait), or the client gives up on the socket before Redis answers the wait
    (redis-py 8 defaults to 5 s: a human thinking longer than that lost the match
    to an arena error)."""
    return max(settings.ARENA_PLAY_IDLE_TIMEOUT, 60.0) + 30.0


def waiter(match_id: int) -> WaitForMessage:
    """How a worker waits for the match's next message: on its Redis list."""
    client, key = _redis(), inbox_key(match_id)

    def wait(timeout: float) -> Message | None:
        if timeout <= 0:  # BLPOP's 0 would mean "forever"
            return None
        popped = client.blpop([key], timeout=timeout)
        return None if popped is None else json.loads(popped[1])

    return wait


async def async_wait_for_news(match_id: int, timeout: float) -> Message | None:
    """:func:`wait_for_news` for an event loop (with a broker): waits without holding a
    thread, so a web process serves many waiting clients at once."""
    if timeout <= 0:
        return None
    popped = await _async_redis().blpop([outbox_key(match_id)], timeout=timeout)
    return None if popped is None else json.loads(popped[1])


# One client per event loop: an asyncio connection belongs to the loop that opened it.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
    weakref.WeakKeyDictionary()
)


def _async_redis() -> Any:
    import redis.asyncio  # deferred, as _redis

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_timeout=_read_timeout()
        )
    return client


# -- the embedded mode: the match is held by a thread of this process -----------------------------
_here: dict[int, queue.Queue[Message]] = {}
_out: dict[int, queue.Queue[Message]] = {}


def open_here(match_id: int) -> WaitForMessage:
    """An inbox (and an outbox) in this process for the match; how its holder waits on it."""
    inbox: queue.Queue[Message] = queue.Queue()
    _here[match_id] = inbox
    _out[match_id] = queue.Queue()

    def wait(timeout: float) -> Message | None:
        try:
            return inbox.get(timeout=timeout) if timeout > 0 else None
        except queue.Empty:
            return None

    return wait


def close_here(match_id: int) -> None:
    """The match is over: later messages for it go nowhere."""
    _here.pop(match_id, None)
    _out.pop(match_id, None)


def held_here(match_id: int) -> bool:
    """A thread of this process holds the match (embedded mode)."""
    return match_id in _here
