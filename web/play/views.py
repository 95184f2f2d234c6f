"""Pages of a human match: choose who starts, play on the board, and the owner's data set."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import environments
from core.models import Competitor, HumanMatch, Revision, User
from web.access import get_competitor, get_revision
from web.play import backends, rules, services


def may_download_human_matches(user: User | Any, competitor: Competitor) -> bool:
    """The human matches against an agent are its owner's training data: owner and staff."""
    return user.is_authenticated and (user.is_staff or user.pk == competitor.owner_id)


def _playable_revision(slug: str, name: str, version: int) -> Revision:
    revision = get_revision(get_competitor(slug, name), version)
    if not revision.is_valid or not revision.competitor.environment.active:
        raise Http404("only a validated revision of an active game can be played")
    return revision


def _get_match(user: User, pk: int) -> HumanMatch:
    """The user's own match (staff may watch any), or 404."""
    match = get_object_or_404(
        HumanMatch.objects.select_related("revision__competitor__environment", "user"), pk=pk
    )
    if match.user_id != user.pk and not user.is_staff:
        raise Http404("no such match of yours")
    return match


@login_required
@require_http_methods(["GET", "POST"])
def new_match(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    revision = _playable_revision(slug, name, version)
    if request.method == "POST":
        human_first = request.POST.get("first") != "agent"
        try:
            match = services.start_match(request.user, revision, human_first)
        except services.PlayingAlready as exc:
            limit = settings.ARENA_PLAY_MATCHES_PER_USER
            messages.error(
                request,
                f"You already play {limit} {'match' if limit == 1 else 'matches'} against agents, "
                "the most one person may at once: finish or leave it (your match is at "
                f"{reverse('play-match', args=[exc.match.pk])}) before starting another.",
            )
        except services.ArenaFull:
            messages.error(
                request,
                f"All {settings.ARENA_PLAY_MAX_MATCHES} places for matches against agents are "
                "taken right now. Try again in a few minutes.",
            )
        else:
            return redirect("play-match", match.pk)
    return render(
        request,
        "play/new.html",
        {
            "revision": revision,
            "competitor": revision.competitor,
            "game": revision.competitor.environment,
            "how_to_move": environments.info(slug).play.how_to_move,
        },
    )


@login_required
@require_GET
def match_page(request: HttpRequest, pk: int) -> HttpResponse:
    match = _get_match(request.user, pk)
    revision = match.revision
    game = revision.competitor.environment
    config = {
        "game": game.slug,
        "stateUrl": reverse("play-state", args=[match.pk]),
        "moveUrl": reverse("play-move", args=[match.pk]),
        "leaveUrl": reverse("play-leave", args=[match.pk]),
    }
    return render(
        request,
        "play/match.html",
        {
            "match": match,
            "revision": revision,
            "competitor": revision.competitor,
            "game": game,
            "config": config,
            "how_to_move": environments.info(game.slug).play.how_to_move,
            "renderer": f"games/{game.slug}/render.js",
            "renderer_css": f"games/{game.slug}/style.css",
        },
    )


def _status(match: HumanMatch) -> dict[str, Any]:
    slug = match.revision.competitor.environment.slug
    payload: dict[str, Any] = {
        "state": match.state,
        "board": match.states[-1] if match.states else None,
        "ply": len(match.actions),
        "turn": None,
        "valid_actions": [],
        "result": match.result or None,
        "message": "",
    }
    # The game's own words for the human's side and for a move (its info.yml).
    play = environments.info(slug).play
    you = f"You play {play.marks[0 if match.human_first else 1]}. " if play.marks else ""
    if match.state == HumanMatch.WAITING or (match.is_active and not match.states):
        payload["message"] = "Starting the agent's sandbox…"
    elif match.state == HumanMatch.RUNNING:
        game = rules.replay(slug, match.actions)
        if rules.humans_turn(game, match.human_first):
            payload["turn"] = "human"
            payload["valid_actions"] = list(game.legal_actions())
            payload["message"] = f"Your turn. {you}{play.how_to_move}"
        else:
            payload["turn"] = "agent"
            payload["message"] = "The agent is thinking…"
    elif match.state == HumanMatch.ABANDONED:
        payload["message"] = "This match was abandoned: no move came in time, or you left."
    else:
        payload["message"] = {
            HumanMatch.HUMAN_WIN: "You won!",
            HumanMatch.AGENT_WIN: "The agent won.",
            HumanMatch.DRAW: "Draw.",
            HumanMatch.AGENT_ERROR: f"You win: {match.error_msg}.",
            HumanMatch.ARENA_ERROR: "The arena failed during this match (not your fault, "
            "nor the agent's). Play again.",
        }.get(match.result, match.result)
    return payload


@never_cache
@login_required
@require_GET
def match_state(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the match page for the agent's replies."""
    return JsonResponse(_status(_get_match(request.user, pk)))


@login_required
@require_POST
def match_move(request: HttpRequest, pk: int) -> JsonResponse:
    match = _get_match(request.user, pk)
    if match.user_id != request.user.pk:
        return JsonResponse({"error": "only the player of this match can move"}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        action, ply = body.get("action"), body.get("ply")
    except (ValueError, AttributeError):
        return JsonResponse({"error": 'send JSON: {"action": <int>, "ply": <int>}'}, status=400)
    if match.state != HumanMatch.RUNNING or not match.states:
        return JsonResponse({"error": "the match is not being played"}, status=409)
    if ply != len(match.actions):
        return JsonResponse({"error": "the board changed: reload it"}, status=409)
    game = rules.replay(match.revision.competitor.environment.slug, match.actions)
    try:
        action = rules.check_move(game, match.human_first, action)
    except rules.IllegalMove as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    backends.send(match.pk, {"ply": ply, "action": action})
    return JsonResponse({"ok": True})


@login_required
@require_POST
def match_leave(request: HttpRequest, pk: int) -> HttpResponse:
    match = _get_match(request.user, pk)
    if match.user_id == request.user.pk and match.is_active:
        backends.send(match.pk, {"leave": True})
    competitor = match.revision.competitor
    return redirect("competitor", competitor.environment.slug, competitor.name)


@login_required
@require_GET
def human_matches(request: HttpRequest, slug: str, name: str) -> StreamingHttpResponse:
    competitor = get_competitor(slug, name)
    if not may_download_human_matches(request.user, competitor):
        raise Http404("no such data set")
    response = StreamingHttpResponse(
        services.human_matches_jsonl(competitor), content_type="application/jsonl"
    )
    filename = f"human-matches-{slug}-{name}.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
