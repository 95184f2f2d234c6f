"""Where a human match's agent runs, behind two calls: :func:`start` and :func:`send`.

- With a broker (production): a Celery task on the ``play`` queue holds the sandbox (only
  workers have the Docker socket); the page's moves reach it through a Redis list it waits
  on with BLPOP.
- Without one (the embedded ``make demo``): an eager task would block the request for the
  whole match, so a thread of the serving process holds the sandbox, fed by a queue.
"""

from __future__ import annotations

import functools
import json
import math
import queue
import threading
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from web.play.engine import play_human_match


def embedded() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def start(match_id: int) -> None:
    """Start the match's agent once the row is committed."""
    if embedded():
        transaction.on_commit(lambda: _start_thread(match_id))
    else:
        from web.play.tasks import PLAY_QUEUE, run_human_match

        transaction.on_commit(
            lambda: run_human_match.apply_async(args=[match_id], queue=PLAY_QUEUE)
        )


def send(match_id: int, message: dict[str, Any]) -> None:
    """Hand a message from the page (a move, leaving) to whoever holds the match."""
    if embedded():
        inbox = _inboxes.get(match_id)
        if inbox is not None:
            inbox.put(message)
        return
    client = _redis()
    key = inbox_key(match_id)
    client.rpush(key, json.dumps(message))
    # Never outlive the match by much, whatever happens to its worker.
    client.expire(key, math.ceil(settings.ARENA_PLAY_IDLE_TIMEOUT) + 60)


# -- the worker side -----------------------------------------------------------------------------
def inbox_key(match_id: int) -> str:
    return f"arena:play:{match_id}:inbox"


@functools.cache
def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def redis_waiter(match_id: int) -> Any:
    client, key = _redis(), inbox_key(match_id)

    def wait(timeout: float) -> dict[str, Any] | None:
        if timeout <= 0:  # BLPOP's 0 would mean "forever"
            return None
        popped = client.blpop([key], timeout=timeout)
        return None if popped is None else json.loads(popped[1])

    return wait


# -- the embedded side ----------------------------------------------------------------------------
_inboxes: dict[int, queue.Queue[dict[str, Any]]] = {}


def _start_thread(match_id: int) -> None:
    inbox: queue.Queue[dict[str, Any]] = queue.Queue()
    _inboxes[match_id] = inbox

    def wait(timeout: float) -> dict[str, Any] | None:
        try:
            return inbox.get(timeout=timeout) if timeout > 0 else None
        except queue.Empty:
            return None

    def run() -> None:
        try:
            play_human_match(match_id, wait)
        finally:
            _inboxes.pop(match_id, None)
            connection.close()  # this thread's own database connection

    threading.Thread(target=run, name=f"human-match-{match_id}", daemon=True).start()
