"""The API's endpoints: thin views over the site's access rules (web.access) and services
(web.services), answering in JSON; what they accept is checked by the API's own serializers.

Every list is paginated and loads what it shows with a fixed number of queries
(``select_related`` and subqueries), whatever the number of rows.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import kombu.exceptions
from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

import environments
from builder.submission import SubmissionError
from core.models import (
    ApiMove,
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentParticipant,
)
from duel_runner.moves import compute_move
from web import access, coach, services
from web.access import can_see_private, get_duel, get_game, hide_private_log_tails, visible_logs
from web.api import moves
from web.api import serializers as s
from web.downloads import send_stored_file
from web.services import REVISION_LOG_FIELDS

ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description='{"error": "what went wrong and what to do"}'
)


class ApiError(APIException):
    """An error with its own status code and message."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None):
        self.status_code = status_code
        self.headers = headers or {}
        super().__init__(message)


# --- Lookups: a 404 says what does exist (web.access) --------------------------------------


def competitors_with_standing() -> QuerySet[Competitor]:
    """Competitors with their latest revision's states and their rank in the latest edition."""
    latest = Revision.objects.filter(competitor=OuterRef("pk")).order_by("-version")
    valid = latest.filter(test_state=Revision.TEST_COMPLETED)
    # The game's latest edition is its leaderboard (as on the game page and the profile).
    latest_edition = Tournament.objects.filter(environment=OuterRef(OuterRef("environment")))
    latest_edition = latest_edition.order_by("-edition").values("pk")[:1]
    current = TournamentParticipant.objects.filter(
        revision__competitor=OuterRef("pk"), tournament=Subquery(latest_edition)
    )
    sizes = (
        TournamentParticipant.objects.filter(tournament=OuterRef("tournament"))
        .order_by()
        .values("tournament")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Competitor.objects.select_related("environment", "owner")
        .annotate(
            latest_version=Subquery(latest.values("version")[:1]),
            latest_image_state=Subquery(latest.values("image_state")[:1]),
            latest_test_state=Subquery(latest.values("test_state")[:1]),
            valid_version=Subquery(valid.values("version")[:1]),
            current_rank=Subquery(current.values("rank")[:1]),
            current_edition=Subquery(current.values("tournament__edition")[:1]),
            ranked_version=Subquery(current.values("revision__version")[:1]),
            edition_state=Subquery(current.values("tournament__state")[:1]),
            field_size=Subquery(
                current.annotate(size=Subquery(sizes)).values("size")[:1],
                output_field=IntegerField(),
            ),
        )
        .order_by("environment__slug", "name")
    )


def require_token(request: Request) -> None:
    """For the writes of endpoints whose reads are public (their answer: web.api.errors)."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()


def refusal_error(refused: services.Refused) -> serializers.ValidationError:
    """A 400 with the refusal under the field it is about."""
    return serializers.ValidationError(
        {refused.field or api_settings.NON_FIELD_ERRORS_KEY: [str(refused)]}
    )


def rate_limit_error(limited: services.UploadRateLimited) -> ApiError:
    """A 429 that says when to come back, also in Retry-After."""
    return ApiError(
        status.HTTP_429_TOO_MANY_REQUESTS,
        str(limited),
        headers={"Retry-After": str(limited.retry_after())},
    )


# --- Me ---------------------------------------------------------------------------------------


class MeView(generics.GenericAPIView):
    """Who the API token belongs to: a cheap way to check a token."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.MeSerializer

    @extend_schema(responses={200: s.MeSerializer, 401: ERROR})
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


# --- Games --------------------------------------------------------------------------------------


def games_with_latest_edition() -> QuerySet[Environment]:
    latest = Tournament.objects.filter(environment=OuterRef("pk")).order_by("-edition")
    return Environment.objects.annotate(
        latest_edition=Subquery(latest.values("edition")[:1])
    ).order_by("slug")


class GameList(generics.ListAPIView):
    """The games, with their limits and the edition that makes their leaderboard."""

    serializer_class = s.GameSerializer

    def get_queryset(self) -> QuerySet[Environment]:
        return games_with_latest_edition()


class GameDetail(generics.RetrieveAPIView):
    serializer_class = s.GameSerializer

    @extend_schema(responses={200: s.GameSerializer, 404: ERROR})
    def get(self, request: Request, slug: str) -> Response:
        get_game(slug)  # a 404 that names the games
        game = games_with_latest_edition().get(slug=slug)
        return Response(s.GameSerializer(game).data)


# --- Competitors ------------------------------------------------------------------------------


class CompetitorList(generics.ListCreateAPIView):
    """A game's competitors with their rank; POST (with a token) creates one of yours."""

    serializer_class = s.CompetitorSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Competitor]:
        return competitors_with_standing().filter(environment=get_game(self.kwargs["slug"]))

    @extend_schema(
        request=s.CompetitorCreateSerializer,
        responses={201: s.CompetitorSerializer, 400: ERROR, 401: ERROR, 404: ERROR},
    )
    def post(self, request: Request, slug: str) -> Response:
        require_token(request)
        game = get_game(slug)
        given = s.CompetitorCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            created = services.create_competitor(request.user, game, **given.validated_data)
        except services.Refused as exc:
            raise refusal_error(exc) from None
        competitor = access.get_competitor(slug, created.name, competitors_with_standing())
        url = reverse("api-competitor", args=[slug, created.name])
        return Response(
            s.CompetitorSerializer(competitor).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": url},
        )


class CompetitorDetail(generics.RetrieveAPIView):
    serializer_class = s.CompetitorSerializer

    @extend_schema(responses={200: s.CompetitorSerializer, 404: ERROR})
    def get(self, request: Request, slug: str, name: str) -> Response:
        competitor = access.get_competitor(slug, name, competitors_with_standing())
        return Response(s.CompetitorSerializer(competitor).data)


# --- Revisions ------------------------------------------------------------------------------


class RevisionList(generics.ListCreateAPIView):
    """A competitor's revisions, newest first; POST (owner, with a token) uploads a new one.

    An upload goes through the website's checks, limits and rate limit, and starts the same
    build and validation; follow it on the revision's endpoint.
    """

    serializer_class = s.RevisionSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[Revision]:
        self.competitor = access.get_competitor(self.kwargs["slug"], self.kwargs["name"])
        revisions = self.competitor.revisions.defer(*REVISION_LOG_FIELDS)
        return revisions.order_by("-version")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        competitor = getattr(self, "competitor", None)
        context["may_see"] = competitor is not None and can_see_private(
            self.request.user, competitor
        )
        return context

    @extend_schema(
        request=s.RevisionUploadSerializer,
        responses={
            201: s.RevisionSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: ERROR,
            413: ERROR,
            429: ERROR,
        },
    )
    def post(self, request: Request, slug: str, name: str) -> Response:
        require_token(request)
        competitor = access.get_own_competitor(request.user, slug, name)
        # Installed before the body is read: nothing past the limit is kept (as on the site).
        size_limit = services.limit_upload_size(request._request)
        files = request.FILES
        if size_limit.too_large:
            raise ApiError(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"The zip is larger than the {settings.ARENA_ZIP_MAX_BYTES} bytes allowed: leave "
                "training data and checkpoints the player does not need out of it.",
            )
        limited = services.rate_limited(request.user)
        if limited is not None:
            raise rate_limit_error(limited)
        given = s.RevisionUploadSerializer(data=files)
        errors: dict[str, Any] = {}
        try:
            services.check_takes_submissions(competitor)
        except services.Refused as exc:
            errors.update(refusal_error(exc).detail)
        if not given.is_valid():
            errors.update(given.errors)
        if errors:
            raise serializers.ValidationError(errors)
        try:
            revision = services.upload_revision(competitor, given.validated_data["zip_file"])
        except services.Refused as exc:  # the game closed since the check above
            raise refusal_error(exc) from None
        except services.UploadRateLimited as exc:  # the hour filled up since the check above
            raise rate_limit_error(exc) from None
        except SubmissionError as exc:
            message = services.submission_error_sentence(exc)
            raise serializers.ValidationError({"zip_file": [message]}) from None
        url = reverse("api-revision", args=[slug, name, revision.version])
        data = s.RevisionSerializer(revision, context={"may_see": True}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": url})


class RevisionDetail(generics.RetrieveAPIView):
    """A revision's build and validation states; errors and logs to who may see them."""

    serializer_class = s.RevisionDetailSerializer

    @extend_schema(responses={200: s.RevisionDetailSerializer, 404: ERROR})
    def get(self, request: Request, slug: str, name: str, version: int) -> Response:
        competitor = access.get_competitor(slug, name)
        revision = access.get_revision(competitor, version)
        context = {"may_see": can_see_private(request.user, competitor), "request": request}
        return Response(s.RevisionDetailSerializer(revision, context=context).data)


class RevisionSource(generics.GenericAPIView):
    """A revision's source zip, as uploaded: anyone's for a public competitor, else only its
    owner's (and staff's) with their token; 404 otherwise, as if it did not exist."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, 404: ERROR})
    def get(self, request: Request, slug: str, name: str, version: int) -> HttpResponse:
        revision = access.get_revision_source(request.user, slug, name, version)
        filename = f"{slug}-{revision.competitor.name}-v{revision.version}.zip"
        return send_stored_file(revision.zip_file, filename, "application/zip")


# --- Tournaments ------------------------------------------------------------------------------


class TournamentList(generics.ListAPIView):
    """A game's editions, newest first."""

    serializer_class = s.TournamentSerializer

    def get_queryset(self) -> QuerySet[Tournament]:
        game = get_game(self.kwargs["slug"])
        return Tournament.objects.filter(environment=game).select_related("environment")


class TournamentDetail(generics.RetrieveAPIView):
    """An edition with its leaderboard (rank, points, W/L/D, score, rating)."""

    serializer_class = s.TournamentDetailSerializer

    @extend_schema(responses={200: s.TournamentDetailSerializer, 404: ERROR})
    def get(self, request: Request, slug: str, edition: int) -> Response:
        ranked = TournamentParticipant.objects.select_related(
            "revision__competitor__owner"
        ).order_by("rank", "pk")
        with_leaderboard = Tournament.objects.select_related("environment").prefetch_related(
            Prefetch("participants", ranked, to_attr="ranked_participants")
        )
        tournament = access.get_tournament(slug, edition, with_leaderboard)
        return Response(s.TournamentDetailSerializer(tournament).data)


# --- Duels and matches --------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("game", str, description="only this game's duels"),
        OpenApiParameter("competitor", str, description="only duels this competitor played"),
        OpenApiParameter("state", str, enum=[state for state, _ in Duel.STATES]),
    ]
)
class DuelList(generics.ListAPIView):
    """Duels, newest first."""

    serializer_class = s.DuelSerializer

    def get_queryset(self) -> QuerySet[Duel]:
        duels = Duel.objects.select_related(
            "environment", "revision_1__competitor__owner", "revision_2__competitor__owner"
        ).order_by("-created", "-pk")
        query = DuelFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        if wanted.get("game"):
            duels = duels.filter(environment__slug=wanted["game"])
        if wanted.get("competitor"):
            name = wanted["competitor"]
            duels = duels.filter(
                Q(revision_1__competitor__name=name) | Q(revision_2__competitor__name=name)
            )
        if wanted.get("state"):
            duels = duels.filter(state=wanted["state"])
        return duels


class DuelFilter(serializers.Serializer):
    """The filters of the duel list, checked (PostgreSQL refuses some strings, e.g. a NUL)."""

    game = serializers.SlugField(required=False)
    competitor = serializers.SlugField(required=False)
    state = serializers.ChoiceField(choices=Duel.STATES, required=False)


class DuelDetail(generics.RetrieveAPIView):
    """A duel with its counters, a summary of each match, and the player logs you may read."""

    serializer_class = s.DuelDetailSerializer

    @extend_schema(responses={200: s.DuelDetailSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        duel = get_duel(pk)
        visible = visible_logs(request.user, duel)
        record = services.read_record(duel)
        matches = []
        for number, match in enumerate((record or {}).get("matches", []), start=1):
            error = match.get("error_msg") or None
            matches.append(
                {
                    "number": number,
                    "result": match.get("result", ""),
                    "first_player": match.get("first_player", ""),
                    "player_1_score": match.get("player_1_score", 0),
                    "player_2_score": match.get("player_2_score", 0),
                    "moves": max(0, len(match.get("states") or []) - 1),
                    "error_msg": error and hide_private_log_tails(error, visible),
                    "seed": match.get("seed"),
                }
            )
        duel.matches = matches
        duel.record_seed = (record or {}).get("seed")
        # The beginning and end of a long log, with the address of the whole.
        for side in (1, 2):
            whole = request.build_absolute_uri(services.duel_log_url(duel, side))
            setattr(duel, f"log_{side}_text", services.player_log(duel, side, visible, whole))
        data = s.DuelDetailSerializer(duel, context={"request": request}).data
        return Response(data)


class MatchDetail(generics.RetrieveAPIView):
    """A match's replay: every state of the board, as in the duel JSON."""

    serializer_class = s.MatchSerializer

    @extend_schema(responses={200: s.MatchSerializer, 404: ERROR})
    def get(self, request: Request, pk: int, number: int) -> Response:
        duel = get_duel(pk)
        match, _ = services.get_match(duel, number, visible_logs(request.user, duel))
        if match is None:
            raise Http404("The matches of this duel are available when it ends.")
        return Response(services.match_export(duel, number, match))


# --- The coach --------------------------------------------------------------------------------


class DuelAnalysisView(generics.RetrieveAPIView):
    """The coach's analysis of a completed duel: its blunders and every proven position
    (public, as the duel's replays are)."""

    serializer_class = s.DuelAnalysisSerializer

    @extend_schema(responses={200: s.DuelAnalysisSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(coach.duel_analysis(get_duel(pk)))


class RevisionBlunders(generics.RetrieveAPIView):
    """A revision's blunder report: its moves the solver proved turned a won position into a
    draw or a loss, or a drawn one into a loss, grouped by position, with their replays."""

    serializer_class = s.RevisionBlundersSerializer

    @extend_schema(responses={200: s.RevisionBlundersSerializer, 404: ERROR})
    def get(self, request: Request, slug: str, name: str, version: int) -> Response:
        competitor = access.get_competitor(slug, name)
        revision = access.get_revision(competitor, version)
        return Response(coach.revision_blunders(revision))


# --- The move ---------------------------------------------------------------------------------

# How often a request waiting for its move looks at the row, in seconds.
MOVE_POLL_INTERVAL = 0.1


class MoveView(generics.GenericAPIView):
    """Ask a validated agent for its move: it starts in its sandbox and answers start().

    The revision is the competitor's latest valid one unless ``version`` says. A worker
    computes the move; the answer is ``200 {"action": n}`` when it comes within
    ``ARENA_API_MOVE_WAIT`` seconds, else ``202`` with the move's address (``move``, also in
    ``Location``): GET it until it answers 200. Limited per API token
    (``ARENA_API_MOVES_PER_MINUTE``, ``ARENA_API_MOVES_IN_FLIGHT_PER_TOKEN``) and over the
    arena (``ARENA_API_MOVES_IN_FLIGHT``).
    """

    permission_classes = [IsAuthenticated]
    serializer_class = s.MoveRequestSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        request=s.MoveRequestSerializer,
        responses={
            200: s.MoveSerializer,
            202: s.MovePendingSerializer,
            400: ERROR,
            401: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            429: ERROR,
            503: ERROR,
        },
    )
    def post(self, request: Request, slug: str, name: str) -> Response:
        competitor = access.get_competitor(slug, name)
        given = s.MoveRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        state, valid_actions = check_position(slug, given.validated_data)
        revision = self._revision(competitor, given.validated_data.get("version"))
        move = _start_move(request, revision)
        # A worker computes it: the web process has no Docker (and may not run players). Sent
        # once the row is committed (start_move's transaction), so the worker finds it.
        try:
            compute_move.apply_async(
                args=[str(move.pk), state, valid_actions], expires=moves.expires_after()
            )
        except kombu.exceptions.OperationalError:
            # The broker is unreachable: the move will never be computed, and stops counting.
            unsent = {"kind": "arena", "error": "the arena's queue is unreachable"}
            ApiMove.objects.filter(pk=move.pk).update(outcome=unsent)
            move.outcome = unsent
        # A short wait, so a quick agent answers in one request; never long: a waiting request
        # holds one of the web's few threads.
        deadline = time.monotonic() + min(settings.ARENA_API_MOVE_WAIT, MAX_MOVE_WAIT)
        while move.outcome is None and time.monotonic() < deadline:
            time.sleep(MOVE_POLL_INTERVAL)
            move.refresh_from_db(fields=["outcome", "started"])
        return move_answer(request, move, competitor, revision)

    @staticmethod
    def _revision(competitor: Competitor, version: int | None) -> Revision:
        revisions = competitor.revisions.defer(*REVISION_LOG_FIELDS, "test_duel")
        if version is not None:
            revision = access.get_revision(competitor, version, revisions)
            if not revision.is_valid:
                raise ApiError(
                    status.HTTP_409_CONFLICT,
                    f"Revision {version} of {competitor.name} is not validated "
                    f"({revision.test_state}): only a validated revision can be asked to move.",
                )
            return revision
        revision = revisions.filter(test_state=Revision.TEST_COMPLETED).order_by("-version").first()
        if revision is None:
            raise ApiError(
                status.HTTP_409_CONFLICT,
                f"{competitor.name} has no validated revision yet: ask again once one passed "
                "its validation.",
            )
        return revision


MAX_MOVE_WAIT = 10.0  # seconds: ARENA_API_MOVE_WAIT is capped here, whatever it says


def _start_move(request: Request, revision: Revision) -> ApiMove:
    try:
        return moves.start_move(request.auth, revision)
    except moves.MoveRateLimited as exc:
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"You asked for {settings.ARENA_API_MOVES_PER_MINUTE} moves in the last minute, "
            f"the most allowed per token: try again in {exc.retry_after} s.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except moves.TooManyMovesInFlight as exc:
        if exc.mine:
            message = (
                f"You have {exc.limit} moves waiting for their answer, the most allowed per "
                "token: wait for them (GET their address) before asking for another."
            )
        else:
            message = (
                f"The arena is computing {exc.limit} moves, as many as it takes at once: try "
                "again in a few seconds."
            )
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS, message, headers={"Retry-After": "5"}
        ) from None


def move_answer(
    request: Request, move: ApiMove, competitor: Competitor, revision: Revision
) -> Response:
    """The move's answer as it stands: its action, its failure, or where to ask again."""
    outcome = move.outcome
    if outcome is None:
        if moves.is_expired(move):
            raise ApiError(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"No worker took the move within {moves.expires_after():g} s: the arena is "
                "busy, ask for it again in a minute.",
            )
        url = reverse("api-move-status", args=[move.pk])
        pending = {
            "move": request.build_absolute_uri(url),
            "competitor": competitor.name,
            "version": revision.version,
            "started": move.started is not None,
        }
        headers = {"Location": url, "Retry-After": "1"}
        return Response(pending, status=status.HTTP_202_ACCEPTED, headers=headers)
    if "action" in outcome:
        answer = {"action": outcome["action"], "competitor": competitor.name}
        return Response({**answer, "version": revision.version})
    if outcome.get("kind") == "player":
        message = f"The agent failed: it {outcome['error']}."
        if outcome.get("log_tail") and can_see_private(request.user, competitor):
            message += f"\n--- last lines of its log ---\n{outcome['log_tail']}"
        raise ApiError(status.HTTP_422_UNPROCESSABLE_ENTITY, message)
    raise ApiError(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        f"The arena could not run the agent ({outcome.get('error')}): try again later.",
    )


class MoveStatusView(generics.GenericAPIView):
    """A move asked for with your token: 202 while it is computed, then its answer (200)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.MoveSerializer

    @extend_schema(
        responses={
            200: s.MoveSerializer,
            202: s.MovePendingSerializer,
            401: ERROR,
            404: ERROR,
            422: ERROR,
            503: ERROR,
        }
    )
    def get(self, request: Request, move_id: uuid.UUID) -> Response:
        move = (
            ApiMove.objects.select_related("revision__competitor__owner", "token")
            .defer(*(f"revision__{field}" for field in (*REVISION_LOG_FIELDS, "test_duel")))
            .filter(pk=move_id, token__user=request.user)
            .first()
        )
        if move is None:  # someone else's move is as unknown as one that never was
            raise Http404("You asked for no move with this address (answers are kept an hour).")
        revision = move.revision
        return move_answer(request, move, revision.competitor, revision)


def check_position(slug: str, data: dict[str, Any]) -> tuple[list[float], list[int]]:
    """The state and valid actions, checked against the game's shapes."""
    game = environments.new_game(slug)
    size = len(game.state())
    state = data["state"]
    if len(state) != size:
        raise serializers.ValidationError(
            {
                "state": [
                    f"A {slug} state has {size} numbers, not {len(state)}: see the game's "
                    "description for its encoding."
                ]
            }
        )
    valid_actions = sorted(set(data["valid_actions"]))
    if valid_actions[-1] >= game.num_actions:
        raise serializers.ValidationError(
            {
                "valid_actions": [
                    f"{slug} actions are 0 to {game.num_actions - 1}, not {valid_actions[-1]}."
                ]
            }
        )
    return state, valid_actions
