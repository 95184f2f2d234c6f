"""Watching a duel live: the page, and the Server-Sent Events stream it reads.

The stream reads the duel's live channel (:mod:`duel_runner.live`), never the worker: any
number of spectators cost the duel nothing. Each open stream holds a thread of the web server
(gunicorn gthread), so a stream ends after ``ARENA_LIVE_STREAM_SECONDS`` (the browser's
EventSource reconnects by itself and sends ``Last-Event-ID`` to go on where it left off), and a
web process serves at most ``ARENA_LIVE_STREAMS_PER_PROCESS`` streams at once: the next
spectator is told to retry a few seconds later, and the threads left keep serving the pages.
One viewer (a user, or an address when logged out) holds at most
``ARENA_LIVE_STREAMS_PER_VIEWER`` of them, so a single person cannot take them all.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
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

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _stream_slots() -> threading.BoundedSemaphore:
    """The process's stream slots, sized by the current settings (tests change them)."""
    size = settings.ARENA_LIVE_STREAMS_PER_PROCESS
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


# Streams each viewer holds in this process (a user's id, or an address when logged out), so one
# viewer opening many tabs (or a script) cannot take every stream of the process.
_viewers: dict[str, int] = {}


def _take_viewer_slot(viewer: str) -> bool:
    with _slots_lock:
        if _viewers.get(viewer, 0) >= settings.ARENA_LIVE_STREAMS_PER_VIEWER:
            return False
        _viewers[viewer] = _viewers.get(viewer, 0) + 1
        return True


def _release_viewer_slot(viewer: str) -> None:
    with _slots_lock:
        left = _viewers.get(viewer, 1) - 1
        if left > 0:
            _viewers[viewer] = left
        else:
            _viewers.pop(viewer, None)


def viewer_of(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{client_address(request)}"


def _message(kind: str, data: dict[str, Any], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _finished(pk: int) -> str | None:
    """The duel's state once it no longer runs (or will not run: gone), else None."""
    state = Duel.objects.filter(pk=pk).values_list("state", flat=True).first()
    if state in (Duel.SCHEDULED, Duel.RUNNING):
        return None
    return state or "GONE"


def _events(pk: int, last_id: str | None, finished: bool, viewer: str = "") -> Iterator[str]:
    """The SSE body: the duel's events from ``last_id`` on, until the duel ends or the
    stream's time is up (the browser then reconnects with the last id it received)."""
    busy = f"retry: {BUSY_RETRY_MS}\n\n" + _message("busy", {"retry_ms": BUSY_RETRY_MS})
    if not _take_viewer_slot(viewer):
        # This viewer's other streams (tabs) hold their share: this one waits its turn.
        yield busy
        return
    slots = _stream_slots()
    if not slots.acquire(blocking=False):
        _release_viewer_slot(viewer)
        yield busy
        return
    try:
        channel = live.channel()
        yield f"retry: {RECONNECT_MS}\n\n"
        deadline = time.monotonic() + settings.ARENA_LIVE_STREAM_SECONDS
        cursor = last_id
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            # A finished duel only replays what the channel still holds, without waiting.
            wait = 0.0 if finished else min(HEARTBEAT_SECONDS, remaining)
            events = channel.read(pk, cursor, wait) if channel is not None else []
            for event_id, event in events:
                cursor = event_id
                yield _message(event["kind"], event, event_id)
                if event["kind"] == "duel_end":
                    yield _message("end", {"state": _finished(pk) or Duel.RUNNING})
                    return
            if events:
                continue
            state = _finished(pk)
            if state is not None:
                yield _message("end", {"state": state})
                return
            finished = False
            yield ": still here\n\n"
    finally:
        slots.release()
        _release_viewer_slot(viewer)


def live_events(request: HttpRequest, pk: int) -> HttpResponse:
    duel = get_duel(pk)
    last_id = request.headers.get("Last-Event-ID") or request.GET.get("last") or None
    response = StreamingHttpResponse(
        _events(duel.pk, last_id, duel.is_finished, viewer_of(request)),
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
