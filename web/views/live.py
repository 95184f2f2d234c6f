"""Watching a duel live: the page, and the Server-Sent Events stream it reads.

The stream reads the duel's live channel (:mod:`duel_runner.live`), never the worker: any
number of spectators cost the duel nothing. The stream is an asynchronous view: served by an
ASGI server (uvicorn's worker under gunicorn, see docker/gunicorn.conf.py), each open stream
is a coroutine waiting on the duel's :class:`~duel_runner.live.Tail`, not a thread, so a web
process holds thousands while its threads serve the ordinary pages.

A stream still ends after ``ARENA_LIVE_STREAM_SECONDS`` (the browser's EventSource reconnects
by itself and sends ``Last-Event-ID`` to go on where it left off: a stream never outlives a
deploy by long, and a spectator who left is noticed), and a web process serves at most
``ARENA_LIVE_STREAMS_PER_PROCESS`` streams at once: the next spectator is told to retry a few
seconds later. One viewer (a user, or an address when logged out) holds at most
``ARENA_LIVE_STREAMS_PER_VIEWER`` of them, so a single person cannot take them all.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from core.models import Duel
from duel_runner import live
from web.access import get_duel
from web.throttle import client_address

# A comment line this often keeps proxies (nginx: 60 s read timeout) from closing a quiet
# stream, e.g. while a slow player thinks or the duel waits for a worker.
HEARTBEAT_SECONDS = 15.0
# How long a spectator turned away (every stream of this process taken) waits before retrying.
BUSY_RETRY_MS = 5000
RECONNECT_MS = 1000
# A spectator's stream sends at most this often: what a fast duel plays in between goes in one
# write. The writes are what a crowd costs (spectators x writes a second): at 0.25 s two web
# processes held 2000 spectators of a move every 50 ms with pages p95 160 ms, at 0.1 s their
# pages took 1.5 s (bench/bench_spectators.py). A quarter second is not seen on the board.
FLUSH_SECONDS = 0.25

# The streams this process serves, in all and by viewer (a user's id, or an address when logged
# out). Counted under a lock: the event loop's thread takes them, but the test client and a
# WSGI server run each request in a loop of its own thread.
_slots_lock = threading.Lock()
_streams = 0
_viewers: dict[str, int] = {}


def _take_slot(viewer: str) -> bool:
    """A stream for this viewer, if the process and the viewer's share have one left."""
    global _streams
    with _slots_lock:
        if _viewers.get(viewer, 0) >= settings.ARENA_LIVE_STREAMS_PER_VIEWER:
            return False
        if _streams >= settings.ARENA_LIVE_STREAMS_PER_PROCESS:
            return False
        _viewers[viewer] = _viewers.get(viewer, 0) + 1
        _streams += 1
        return True


def _release_slot(viewer: str) -> None:
    global _streams
    with _slots_lock:
        _streams -= 1
        left = _viewers.get(viewer, 1) - 1
        if left > 0:
            _viewers[viewer] = left
        else:
            _viewers.pop(viewer, None)


def streams_open() -> int:
    """How many streams this process serves now."""
    return _streams


def viewer_of(request: HttpRequest, user: Any) -> str:
    if user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address(request)}"


def _message(kind: str, data: dict[str, Any], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _event_message(event_id: str, event: live.Event) -> str:
    return _message(event["kind"], event, event_id)


# Each watched duel's newest events, shared by its spectators in this process, each written
# out once as the stream sends it.
tails = live.Tails(_event_message, wait=HEARTBEAT_SECONDS)


def _finished_state(pk: int) -> str | None:
    """The duel's state once it no longer runs (or will not run: gone), else None."""
    state = Duel.objects.filter(pk=pk).values_list("state", flat=True).first()
    if state in (Duel.SCHEDULED, Duel.RUNNING):
        return None
    return state or "GONE"


StateCheck = Callable[[int], Awaitable[str | None]]


async def _events(
    pk: int,
    last_id: str | None,
    finished: bool,
    viewer: str = "",
    _finished: StateCheck | None = None,
) -> AsyncIterator[str]:
    """The SSE body: the duel's events from ``last_id`` on, until the duel ends or the
    stream's time is up (the browser then reconnects with the last id it received)."""
    if _finished is None:
        _finished = sync_to_async(_finished_state)
    if not _take_slot(viewer):
        # Every stream of the process is taken, or this viewer's other tabs hold its share.
        yield f"retry: {BUSY_RETRY_MS}\n\n" + _message("busy", {"retry_ms": BUSY_RETRY_MS})
        return
    try:
        source = live.async_channel()
        yield f"retry: {RECONNECT_MS}\n\n"
        if source is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.ARENA_LIVE_STREAM_SECONDS
        cursor = last_id
        async with tails.watch(source, pk) as tail:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                # A finished duel only replays what the channel still holds, without waiting.
                wait = 0.0 if finished else min(HEARTBEAT_SECONDS, remaining)
                events = await tail.read(cursor, wait)
                if events:
                    cursor = events[-1][0]
                    kinds = [event["kind"] for _, event, _ in events]
                    ended = kinds.index("duel_end") if "duel_end" in kinds else None
                    if ended is not None:
                        state = await _finished(pk) or Duel.RUNNING
                        yield "".join(text for _, _, text in events[: ended + 1]) + _message(
                            "end", {"state": state}
                        )
                        return
                    yield "".join(text for _, _, text in events)
                    if not finished:
                        await asyncio.sleep(FLUSH_SECONDS)
                    continue
                state = await _finished(pk)
                if state is not None:
                    yield _message("end", {"state": state})
                    return
                finished = False
                yield ": still here\n\n"
    finally:
        _release_slot(viewer)


def _blocking(pk: int, last_id: str | None, finished: bool, viewer: str) -> Iterator[str]:
    """The stream for a WSGI server (Django's runserver and test server): it would gather a
    whole asynchronous body before sending any of it, so each stream runs its own event loop
    in the thread the server gives it, as every stream did before the ASGI server. Its queries
    run in a thread of its own, whose connection is closed at the end (a loop running in the
    server's thread hides that thread's connection from Django)."""
    loop = asyncio.new_event_loop()
    queries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-wsgi")
    loop.set_default_executor(queries)
    events = _events(
        pk, last_id, finished, viewer, sync_to_async(_finished_state, thread_sensitive=False)
    )
    try:
        while True:
            try:
                yield loop.run_until_complete(anext(events))
            except StopAsyncIteration:
                return
    finally:
        loop.run_until_complete(events.aclose())  # type: ignore[attr-defined]
        queries.submit(connections.close_all).result()
        loop.close()
        queries.shutdown()


def _duel_state(pk: int) -> tuple[int, bool]:
    duel = Duel.objects.filter(pk=pk).only("pk", "state").first()
    if duel is None:
        raise Http404("No duel matches the given query.")
    return duel.pk, duel.is_finished


async def live_events(request: HttpRequest, pk: int) -> HttpResponse:
    pk, finished = await sync_to_async(_duel_state)(pk)
    user = await request.auser() if hasattr(request, "auser") else AnonymousUser()
    last_id = request.headers.get("Last-Event-ID") or request.GET.get("last") or None
    viewer = viewer_of(request, user)
    response = StreamingHttpResponse(
        _events(pk, last_id, finished, viewer)
        if isinstance(request, ASGIRequest)
        else _blocking(pk, last_id, finished, viewer),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx must pass each event on at once
    return response


def live_page(request: HttpRequest, pk: int) -> HttpResponse:
    duel = get_duel(pk)
    return render(
        request,
        "web/duels/live.html",
        {
            "duel": duel,
            "game": duel.environment,
            "available": live.channel() is not None,
            "data": {
                "game": duel.environment.slug,
                "events_url": reverse("duel-live-events", args=[duel.pk]),
                "duel_url": reverse("duel", args=[duel.pk]),
                "num_matches": duel.num_matches,
                "state": duel.state,
                "players": {
                    "1": f"{duel.revision_1.competitor.name} v{duel.revision_1.version}",
                    "2": f"{duel.revision_2.competitor.name} v{duel.revision_2.version}",
                },
            },
            "renderer": f"games/{duel.environment.slug}/render.js",
            "renderer_css": f"games/{duel.environment.slug}/style.css",
        },
    )


urlpatterns = [
    path("duels/<int:pk>/live/", live_page, name="duel-live"),
    path("duels/<int:pk>/live/events", live_events, name="duel-live-events"),
]
