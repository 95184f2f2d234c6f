"""The API's remote matches (``arena connect``): a human match whose human side is a program
of the user's, played through these endpoints. The rules of the match are web/play's.

These views are asynchronous, unlike the rest of the API, because a move's round trip is
what a remote player feels, every move: served by the ASGI server, a request waiting for the
agent's reply is a coroutine on the match's news (:mod:`duel_runner.inbox`), not a held
thread, and its few queries run on a small pool of threads of this module, each keeping its
database connection (a synchronous view runs in a thread of its own request, which opens a
new connection each time: about half of a move's round trip, bench/bench_connect.py). core.asgi
serves them without the site's middleware. Under a WSGI server (the tests' live server,
``runserver``) they run in the request's own thread.

They are documented in the API's schema by the DRF classes at the end (never served), and
answer errors as the rest of the API does (web.api.errors): ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connections
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import IsAuthenticated

from core.models import HumanMatch, User
from web import access
from web.api import serializers as s
from web.api.authentication import ApiTokenAuthentication
from web.api.errors import GENERIC_NOT_FOUND, NOT_AUTHENTICATED, first_message
from web.api.views import ERROR, ApiError, MoveView
from web.play import backends, remote, rules, services

PROTOCOL = """
A remote match is a human match whose human side is a program of yours (``arena connect``):
the agent plays in its sandbox on the server, your player on your machine. It is recorded in
the agent's owner's data set of human matches (``client: "remote"``) and is never ranked.

1. ``POST games/<game>/competitors/<name>/connect/`` opens it (``first``: who moves first);
   the answer (201) comes once the agent's sandbox is up and it is your turn.
2. ``POST remote-matches/<id>/moves/`` with ``{"ply": <the answer's ply>, "action": a}``:
   the answer (200) comes once the agent replied, with its action in ``actions``, the new
   ``state`` and your ``valid_actions``; or the match's end (``done``, ``result``).
3. A request answers 202 when the agent has not replied within ``wait`` seconds (at most
   25): ``GET remote-matches/<id>/?after=<ply>&wait=25`` until it answers 200.
4. ``POST remote-matches/<id>/leave/`` gives the match up. A client that sends no move for
   the arena's idle timeout forfeits the same way (``ABANDONED``) and the sandbox is freed.

Remote matches take places of the arena's human matches (they hold the same workers'
sandboxes): a few per user, a few at once (409 and 429 say so). One keep-alive connection
serves a whole match; ``GET ping/`` is the smallest request, to time the round trip.
"""


class Refused(Exception):
    """An error answer: its status, message and headers."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.headers = code, message, headers or {}

    def response(self) -> JsonResponse:
        answer = JsonResponse({"error": self.message}, status=self.code)
        for header, value in self.headers.items():
            answer[header] = value
        return answer


def _refusal(exc: Exception) -> Refused:
    """The API's answer to what the shared lookups and checks raise."""
    if isinstance(exc, Http404):
        message = str(exc) if str(exc) not in ("", *GENERIC_NOT_FOUND) else ""
        return Refused(404, message or "Not found: check the address (see /api/v1/docs/).")
    if isinstance(exc, exceptions.APIException):
        return Refused(exc.status_code, first_message(exc.detail), getattr(exc, "headers", {}))
    raise exc


class _Request:
    """How one request runs its database work and waits for news (see the module's doc)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.asgi = isinstance(request, ASGIRequest)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        if not self.asgi:
            return await sync_to_async(function)(*args)  # the request's own thread
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(POOL, functools.partial(_fresh(function), *args))

    async def news(self, match_id: int, timeout: float) -> dict[str, Any] | None:
        if self.asgi and not backends.embedded():
            return await backends.async_wait_for_news(match_id, timeout)
        # Blocking: the request's thread (WSGI), or a pool thread (the embedded demo's queue).
        return await sync_to_async(backends.wait_for_news, thread_sensitive=not self.asgi)(
            match_id, timeout
        )


# The threads that run these views' queries under ASGI. Each keeps its database connection
# from one request to the next (the site's requests close theirs at their end, core.asgi,
# since their threads end with them): a new PostgreSQL connection per query would cost more
# than the rest of a move's round trip. A plain executor, not asgiref's: its threads keep their
# own context, so Django's connection stays with the thread, not with one request.
POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="remote-api")
POOL_CONNECTION_AGE = 300.0  # seconds a pool thread's connection serves before a new one
_kept: set[Any] = set()  # the pool threads' connections, for close_pool_connections


def _fresh(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run in a pool thread whose connection outlives the request: checked as Django checks a
    request's (closed when broken or too old) before each use, kept afterwards."""

    @functools.wraps(function)
    def run(*args: Any) -> Any:
        close_old_connections()
        try:
            return function(*args)
        finally:
            now = time.monotonic()
            for connection in connections.all(initialized_only=True):
                # A connection opened just now is due at once (CONN_MAX_AGE 0): give it time.
                if connection.close_at is not None and connection.close_at <= now:
                    connection.close_at = now + POOL_CONNECTION_AGE
                _kept.add(connection)

    return run


def close_pool_connections() -> None:
    """Close the pool threads' connections: for a server stopped inside a process that goes
    on (the tests'); a process that ends closes them anyway."""
    for connection in list(_kept):
        connection.inc_thread_sharing()  # closed from this thread, not the pool's
        try:
            connection.close()
        finally:
            connection.dec_thread_sharing()
    _kept.clear()


def _endpoint(method: str) -> Callable[..., Any]:
    """An asynchronous API view: one method, token required, errors as JSON."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @csrf_exempt
        @functools.wraps(view)
        async def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method == "OPTIONS":  # as DRF's views answer it: what is allowed
                answer = JsonResponse({"name": view.__name__, "allowed": [method, "OPTIONS"]})
                answer["Allow"] = f"{method}, OPTIONS"
                return answer
            if request.method != method:
                allow = {"Allow": f"{method}, OPTIONS"}
                return Refused(405, f"Use {method} here (see /api/v1/docs/).", allow).response()
            try:
                return await view(_Request(request), *args, **kwargs)
            except Refused as exc:
                return exc.response()

        return endpoint

    return wrap


def _authenticate(request: HttpRequest) -> User:
    """The token's user; a 401 that says what to do. (Each view calls it in its first trip to
    the database: one thread hop less per request.)"""
    try:
        found = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except exceptions.AuthenticationFailed as exc:
        raise Refused(401, str(exc.detail), {"WWW-Authenticate": 'Bearer realm="api"'}) from None
    if found is None:
        raise Refused(401, NOT_AUTHENTICATED, {"WWW-Authenticate": 'Bearer realm="api"'})
    return found[0]


def _given(serializer: type[Any], request: HttpRequest) -> dict[str, Any]:
    """The request's JSON body, checked by the API's serializer; a 400 that says what's wrong."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise Refused(400, "Send a JSON body (Content-Type: application/json).") from None
    checked = serializer(data=data)
    if not checked.is_valid():
        raise Refused(400, first_message(checked.errors))
    return dict(checked.validated_data)


def _wait(given: dict[str, Any]) -> float:
    return float(given.get("wait", remote.MAX_WAIT))


# What the answers read: not the revision's logs, which select_related would load too.
_MATCH_FIELDS = (
    *remote.FIELDS,
    "user_id",
    "client",
    "revision__version",
    "revision__competitor__name",
    "revision__competitor__environment__slug",
)


def _match(user: User, pk: int) -> HumanMatch:
    """The user's own remote match, or 404."""
    match = (
        HumanMatch.objects.select_related("revision__competitor__environment")
        .only(*_MATCH_FIELDS)
        .filter(pk=pk, user=user, client=HumanMatch.REMOTE)
        .first()
    )
    if match is None:
        raise Refused(
            404,
            f"You have no remote match {pk}: open one with POST "
            "/api/v1/games/<game>/competitors/<name>/connect/.",
        )
    return match


def _answer(request: HttpRequest, match: HumanMatch, settled: bool, created: bool = False):
    """200 (201 for a new match) when it is the client's turn or the match is over; 202 while
    the agent thinks or its sandbox starts. The match's address is in ``url`` and Location."""
    url = request.build_absolute_uri(reverse("api-remote-match", args=[match.pk]))
    code = status.HTTP_202_ACCEPTED
    if settled:
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    answer = JsonResponse({"url": url, **remote.status(match)}, status=code)
    answer["Location"] = url
    return answer


# --- the endpoints -----------------------------------------------------------------------------


def _open(request: HttpRequest, slug: str, name: str, given: dict[str, Any]) -> HumanMatch:
    user = _authenticate(request)
    try:
        competitor = access.get_competitor(slug, name)
        if not competitor.environment.active:
            raise ApiError(
                status.HTTP_409_CONFLICT,
                f"{competitor.environment.name} is not played any more: choose an active game.",
            )
        revision = MoveView._revision(competitor, given.get("version"))
    except (Http404, exceptions.APIException) as exc:
        raise _refusal(exc) from None
    try:
        match = services.start_match(
            user, revision, given["first"] == "client", client=HumanMatch.REMOTE
        )
    except services.PlayingAlready as exc:
        limit = settings.ARENA_PLAY_MATCHES_PER_USER
        raise Refused(
            409,
            f"You already play {limit} {'match' if limit == 1 else 'matches'} against agents, "
            f"the most one person may at once (match {exc.match.pk}): finish or leave it "
            "before opening another.",
        ) from None
    except services.ArenaFull:
        raise Refused(
            429,
            f"All {settings.ARENA_PLAY_MAX_MATCHES} places for matches against agents are "
            "taken right now: try again in a minute.",
            {"Retry-After": "60"},
        ) from None
    return _match(user, match.pk)


@_endpoint("POST")
async def connect(context: _Request, slug: str, name: str) -> JsonResponse:
    given = _given(s.RemoteConnectSerializer, context.request)
    match = await context.run(_open, context.request, slug, name, given)
    settled = await remote.wait_for_turn(match, -1, _wait(given), context.run, context.news)
    return _answer(context.request, match, settled, created=True)


@_endpoint("GET")
async def match_state(context: _Request, pk: int) -> JsonResponse:
    try:
        after = int(context.request.GET.get("after", -1))
        wait = float(context.request.GET.get("wait", 0))
    except ValueError:
        raise Refused(400, "after is a ply (an integer), wait seconds (a number).") from None
    match = await context.run(_own_match, context.request, pk)
    settled = await remote.wait_for_turn(match, after, wait, context.run, context.news)
    return _answer(context.request, match, settled)


def _own_match(request: HttpRequest, pk: int) -> HumanMatch:
    return _match(_authenticate(request), pk)


def _send_move(request: HttpRequest, pk: int, ply: int, action: int) -> HumanMatch:
    """Check the client's move against the match as it stands, and hand it to its holder."""
    match = _own_match(request, pk)
    if not match.is_active:
        raise Refused(
            409, f"Match {pk} is over ({match.state.lower()}): open a new one to play again."
        )
    if not match.states or ply != len(match.actions):
        raise Refused(
            409,
            f"It is not your move {ply}: the match has {len(match.actions)} moves; GET it for "
            "where it stands.",
        )
    game = rules.replay(match.revision.competitor.environment.slug, match.actions)
    try:
        action = rules.check_move(game, match.human_first, action)
    except rules.IllegalMove as exc:
        raise Refused(400, f"{exc}.") from None
    backends.send(match.pk, {"ply": ply, "action": action})
    return match


@_endpoint("POST")
async def move(context: _Request, pk: int) -> JsonResponse:
    given = _given(s.RemoteMoveSerializer, context.request)
    ply = given["ply"]
    match = await context.run(_send_move, context.request, pk, ply, given["action"])
    settled = await remote.wait_for_turn(match, ply, _wait(given), context.run, context.news)
    return _answer(context.request, match, settled)


def _leave(request: HttpRequest, pk: int) -> HumanMatch:
    match = _own_match(request, pk)
    if match.is_active:
        backends.send(match.pk, {"leave": True})
    return match


@_endpoint("POST")
async def leave(context: _Request, pk: int) -> JsonResponse:
    match = await context.run(_leave, context.request, pk)
    # A short wait: the holder ends it at its next look at its inbox (at once, unless the
    # agent is thinking).
    await remote.wait_for_end(match, remote.LEAVE_WAIT, context.run, context.news)
    return _answer(context.request, match, not match.is_active)


@_endpoint("GET")
async def ping(context: _Request) -> JsonResponse:
    await context.run(_authenticate, context.request)
    return JsonResponse({"pong": True})


# --- their documentation in the API's schema (drf-spectacular reads a view's ``cls``) ----------


def documented_by(view_class: type[generics.GenericAPIView]) -> Callable[..., Any]:
    """Give an asynchronous view the DRF class that documents it, as DRF's as_view() does."""

    def attach(view: Callable[..., Any]) -> Callable[..., Any]:
        view.cls = view_class  # type: ignore[attr-defined]
        view.initkwargs = {}  # type: ignore[attr-defined]
        return view

    return attach


def _never_served(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("documentation only: the asynchronous view serves this address")


class _Documented(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.RemoteMatchSerializer


class ConnectDoc(_Documented):
    __doc__ = "Open a remote match against the competitor's agent.\n" + PROTOCOL

    @extend_schema(
        request=s.RemoteConnectSerializer,
        responses={201: s.RemoteMatchSerializer, 202: s.RemoteMatchSerializer, 400: ERROR,
                   401: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
    )  # fmt: skip
    def post(self, request: Any, slug: str, name: str) -> Any:
        return _never_served()


class MatchDoc(_Documented):
    __doc__ = "A remote match of yours, as it stands (waiting for the agent with ?wait=).\n" + (
        PROTOCOL
    )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                int,
                description="wait until the agent replied to your move of this ply (or the "
                "match ended); default: until it is your turn",
            ),
            OpenApiParameter("wait", float, description=s.REMOTE_WAIT_HELP),
        ],
        responses={200: s.RemoteMatchSerializer, 202: s.RemoteMatchSerializer, 400: ERROR,
                   401: ERROR, 404: ERROR},
    )  # fmt: skip
    def get(self, request: Any, pk: int) -> Any:
        return _never_served()


class MoveDoc(_Documented):
    __doc__ = "Play your move; the answer comes with the agent's reply.\n" + PROTOCOL

    @extend_schema(
        request=s.RemoteMoveSerializer,
        responses={200: s.RemoteMatchSerializer, 202: s.RemoteMatchSerializer, 400: ERROR,
                   401: ERROR, 404: ERROR, 409: ERROR},
    )  # fmt: skip
    def post(self, request: Any, pk: int) -> Any:
        return _never_served()


class LeaveDoc(_Documented):
    """Give the match up: it ends as abandoned, and the agent's sandbox is freed."""

    @extend_schema(
        request=None,
        responses={200: s.RemoteMatchSerializer, 202: s.RemoteMatchSerializer, 401: ERROR,
                   404: ERROR},
    )  # fmt: skip
    def post(self, request: Any, pk: int) -> Any:
        return _never_served()


class PingDoc(generics.GenericAPIView):
    """The smallest authenticated request: ``arena connect --ping`` times round trips with
    it (served as the remote matches' endpoints are, asynchronously)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.PongSerializer

    @extend_schema(responses={200: s.PongSerializer, 401: ERROR})
    def get(self, request: Any) -> Any:
        return _never_served()


documented_by(ConnectDoc)(connect)
documented_by(MatchDoc)(match_state)
documented_by(MoveDoc)(move)
documented_by(LeaveDoc)(leave)
documented_by(PingDoc)(ping)
