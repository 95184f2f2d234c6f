"""A duel: its result, counters, matches and player logs; a match's replay and its JSON.

The matches live in the duel JSON in storage (``Duel.record_file``), not in the database: a
page reads that file once and takes what it shows from it, so the number of queries stays
the same whatever the number of matches.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from core.models import Duel, Revision, User
from web.access import can_see_private, get_duel, hide_private_log_tails
from web.downloads import send_stored_file
from web.logs import LOG_DISPLAY_CHARS

log = logging.getLogger(__name__)

MATCHES_PER_PAGE = 100
# Player logs are capped by the runner (64 KiB head + 64 KiB tail); a page or an API answer
# shows at most this much of one (its beginning and end), with a link to the whole file, so a
# file the runner did not write (or a bigger cap) never makes a page of megabytes.
LOG_DISPLAY_LIMIT = LOG_DISPLAY_CHARS


MATCH_WINS = {"PLAYER_1_WIN": 1, "PLAYER_2_WIN": 2}
MATCH_ERRORS = {"PLAYER_1_ERROR": 1, "PLAYER_2_ERROR": 2, "OTHER_ERROR": None}


def _read_record(duel: Duel) -> dict[str, Any] | None:
    """The duel JSON, or None while there is none (scheduled, running, or lost in storage)."""
    if not duel.record_file:
        return None
    try:
        with duel.record_file.open("rb") as file:
            return json.load(file)
    except (OSError, ValueError) as exc:
        # A missing or corrupt file must not take the page down: the counters are in the row.
        log.error("cannot read the record of duel %s (%s): %s", duel.pk, duel.record_file, exc)
        return None


def _read_log(field: FieldFile, whole_at: str = "") -> str | None:
    """The log's text, its beginning and end only when it is long (``web.logs.clip``), read
    without loading more of the file than is shown."""
    if not field:
        return None
    half = LOG_DISPLAY_LIMIT // 2
    try:
        with field.open("rb") as file:
            head = file.read(LOG_DISPLAY_LIMIT + 1)
            if len(head) <= LOG_DISPLAY_LIMIT:
                return head.decode("utf-8", "replace")
            size = field.size
            file.seek(max(len(head), size - half))
            tail = file.read(half)
    except OSError as exc:
        log.error("cannot read the player log %s: %s", field.name, exc)
        return None
    left_out = size - half - len(tail)
    where = f": the whole log is at {whole_at}" if whole_at else ""
    return (
        head[:half].decode("utf-8", "replace")
        + f"\n[… {left_out} bytes not shown{where} …]\n"
        + tail.decode("utf-8", "replace")
    )


def duel_log_url(duel: Duel, side: int) -> str:
    return reverse("duel-log", args=[duel.pk, side])


def _player_name(revision: Revision) -> str:
    return f"{revision.competitor.name} v{revision.version}"


def duel_result_words(duel: Duel, error: str) -> str:
    """ "minimax v2 won", "draw", "failed: <error>", or where the duel stands.

    ``error`` is the duel's error message as the viewer may read it; only its first line is
    used, the page shows the rest apart.
    """
    if duel.state == Duel.SCHEDULED:
        return "waiting to be played"
    if duel.state == Duel.RUNNING:
        return "being played"
    if duel.state == Duel.FAILED or duel.result == "ERROR":
        first_line = error.strip().splitlines()[0] if error.strip() else ""
        return f"failed: {first_line or 'no error message was recorded'}"
    if duel.result in MATCH_WINS:
        winner = duel.revision_1 if MATCH_WINS[duel.result] == 1 else duel.revision_2
        return f"{_player_name(winner)} won"
    if duel.result == "DRAW":
        return "draw"
    return duel.result or "no result recorded"


def _side_outcome(result: str, side: int) -> tuple[str, str]:
    """One player's outcome of a match: (badge class, word)."""
    if result in MATCH_WINS:
        return ("win", "won") if MATCH_WINS[result] == side else ("loss", "lost")
    if result == "DRAW":
        return ("draw", "draw")
    if result in MATCH_ERRORS:
        guilty = MATCH_ERRORS[result]
        if guilty is None:
            return ("error", "arena error")
        # The innocent side is awarded the match (GAMES.md, "One duel": effective wins).
        return ("error", "error") if guilty == side else ("win", "won")
    return ("pending", result or "?")


def _match_row(
    number: int, match: dict[str, Any], names: dict[str, str], visible: dict[int, bool]
) -> dict[str, Any]:
    result = match.get("result", "")
    error = hide_private_log_tails(match.get("error_msg") or "", visible)
    return {
        "number": number,
        "first": names.get(match.get("first_player", ""), "?"),
        "first_side": 1 if match.get("first_player") == "PLAYER_1" else 2,
        "side_1": _side_outcome(result, 1),
        "side_2": _side_outcome(result, 2),
        "score_1": match.get("player_1_score", 0),
        "score_2": match.get("player_2_score", 0),
        "error": error,
        "error_summary": error.splitlines()[0] if error else "",
        "moves": max(0, len(match.get("states") or []) - 1),
    }


def _names(duel: Duel) -> dict[str, str]:
    return {"PLAYER_1": _player_name(duel.revision_1), "PLAYER_2": _player_name(duel.revision_2)}


def _visible_logs(user: User | AnonymousUser, duel: Duel) -> dict[int, bool]:
    """Whose logs (and the log lines quoted in error messages) the user may read, by side."""
    return {
        1: can_see_private(user, duel.revision_1.competitor),
        2: can_see_private(user, duel.revision_2.competitor),
    }


def _logs(duel: Duel, visible: dict[int, bool]) -> list[dict[str, Any]]:
    sides = ((1, duel.revision_1, duel.log_1), (2, duel.revision_2, duel.log_2))
    return [
        {
            "side": side,
            "revision": revision,
            "visible": visible[side],
            # A private log is never even read for someone who may not see it.
            "text": _read_log(field, duel_log_url(duel, side)) if visible[side] else None,
            "download": duel_log_url(duel, side) if visible[side] and field else None,
        }
        for side, revision, field in sides
    ]


def _points(duel: Duel) -> tuple[int, int]:
    """Each player's points in the duel: 2 per win or opponent's error, 1 per draw."""
    return (
        2 * (duel.player_1_wins + duel.player_2_errors) + duel.draws,
        2 * (duel.player_2_wins + duel.player_1_errors) + duel.draws,
    )


def duel_page(request: HttpRequest, pk: int) -> HttpResponse:
    duel = get_duel(pk)
    record = _read_record(duel)
    matches = record.get("matches", []) if record else []
    names = _names(duel)
    visible = _visible_logs(request.user, duel)
    error = hide_private_log_tails(duel.error_msg, visible)
    page = Paginator(matches, MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    first = (page.number - 1) * MATCHES_PER_PAGE + 1
    rows = [
        _match_row(first + i, match, names, visible) for i, match in enumerate(page.object_list)
    ]
    page_links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return render(
        request,
        "web/duels/duel.html",
        {
            "duel": duel,
            "game": duel.environment,
            "result_words": duel_result_words(duel, error),
            "points": _points(duel),
            # A one-line failure is already said in full by the result.
            "error": error if duel.state != Duel.FAILED or "\n" in error.strip() else "",
            "record_missing": duel.is_finished and record is None,
            "page": page,
            "page_links": page_links,
            "ellipsis": Paginator.ELLIPSIS,
            "rows": rows,
            "logs": _logs(duel, visible),
        },
    )


def duel_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the duel page while the duel runs."""
    duel = get_duel(pk)
    return JsonResponse(
        {"state": duel.state, "matches_done": duel.matches_done, "num_matches": duel.num_matches}
    )


def _get_match(
    duel: Duel, number: int, visible: dict[int, bool]
) -> tuple[dict[str, Any] | None, int]:
    """(the match's record or None if the duel has no record yet, how many matches there are).

    The record's error message is as the viewer may read it. Raises 404 for a number that is
    not a match of this duel.
    """
    record = _read_record(duel)
    if record is None:
        if not 1 <= number <= duel.num_matches:
            raise Http404("this duel has no such match")
        return None, duel.num_matches
    matches = record.get("matches", [])
    if not 1 <= number <= len(matches):
        raise Http404(f"this duel has no match {number}: it has {len(matches)}")
    match = matches[number - 1]
    if match.get("error_msg"):
        match = {**match, "error_msg": hide_private_log_tails(match["error_msg"], visible)}
    return match, len(matches)


def _match_export(duel: Duel, number: int, match: dict[str, Any]) -> dict[str, Any]:
    """The match record as in the duel JSON, plus what it is a match of."""
    players = {}
    for side, revision in ((1, duel.revision_1), (2, duel.revision_2)):
        players[f"player_{side}"] = {
            "competitor": revision.competitor.name,
            "version": revision.version,
        }
    return {
        "environment": duel.environment.slug,
        "rules_version": duel.rules_version,
        "duel": duel.pk,
        "number": number,
        **players,
        **match,
    }


def match_json(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    duel = get_duel(pk)
    match, _ = _get_match(duel, number, _visible_logs(request.user, duel))
    if match is None:
        raise Http404("the matches of this duel are available when it ends")
    response = JsonResponse(_match_export(duel, number, match))
    filename = f"{duel.environment.slug}-duel-{duel.pk}-match-{number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _steps(match: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Who moved into each state and the reward of that move.

    States are the position after reset, then one per move; the movers alternate from
    ``first_player``. Rewards are non-zero only on the move that ends the game, so the last
    mover's reward is its score (GAMES.md, "One match").
    """
    states = match.get("states") or []
    first = 1 if match.get("first_player") == "PLAYER_1" else 2
    steps = [{"step": 0, "side": None, "name": "", "reward": None}]
    for k in range(1, len(states)):
        side = first if k % 2 == 1 else 3 - first
        last = k == len(states) - 1
        reward = match.get(f"player_{side}_score", 0) if last else 0
        steps.append(
            {"step": k, "side": side, "name": names[f"PLAYER_{side}"], "reward": reward or 0}
        )
    return steps


def _match_outcome(match: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    result = match.get("result", "")
    scores = f"{match.get('player_1_score', 0)} : {match.get('player_2_score', 0)}"
    if result in MATCH_WINS:
        side = MATCH_WINS[result]
        return {
            "kind": "win",
            "text": f"Player {side} ({names[f'PLAYER_{side}']}) won",
            "scores": scores,
        }
    if result == "DRAW":
        return {"kind": "draw", "text": "Draw", "scores": scores}
    guilty = MATCH_ERRORS.get(result)
    if result == "OTHER_ERROR":
        text = "The arena failed during this match; it counts for neither player"
    elif guilty:
        text = f"Player {guilty} ({names[f'PLAYER_{guilty}']}) failed and lost the match"
    else:
        text = result or "No result recorded"
    return {"kind": "error", "text": text, "scores": scores}


def replay(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    duel = get_duel(pk)
    match, count = _get_match(duel, number, _visible_logs(request.user, duel))
    context: dict[str, Any] = {
        "duel": duel,
        "game": duel.environment,
        "number": number,
        "list_page": (number - 1) // MATCHES_PER_PAGE + 1,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < count else None,
    }
    if match is None:
        return render(request, "web/duels/replay_pending.html", context)
    names = _names(duel)
    steps = _steps(match, names)
    outcome = _match_outcome(match, names)
    data = {
        "game": duel.environment.slug,
        "states": match.get("states") or [],
        "first_player": match.get("first_player"),
        "players": {"1": names["PLAYER_1"], "2": names["PLAYER_2"]},
        "steps": [{"side": s["side"], "reward": s["reward"]} for s in steps],
        "result": match.get("result"),
        "player_1_score": match.get("player_1_score", 0),
        "player_2_score": match.get("player_2_score", 0),
        "outcome": f"{outcome['text']}, score {outcome['scores']}",
    }
    first_side = 1 if match.get("first_player") == "PLAYER_1" else 2
    context.update(
        {
            "match": match,
            "data": data,
            "steps": steps,
            "first_side": first_side,
            "first_name": names[f"PLAYER_{first_side}"],
            "outcome": outcome,
            "renderer": f"games/{duel.environment.slug}/render.js",
            "renderer_css": f"games/{duel.environment.slug}/style.css",
        }
    )
    return render(request, "web/duels/replay.html", context)


@require_GET
def duel_log(request: HttpRequest, pk: int, side: int) -> HttpResponse:
    """A player's whole log of the duel, for who may read it (404 for anyone else)."""
    duel = get_duel(pk)
    if side not in (1, 2) or not _visible_logs(request.user, duel)[side]:
        raise Http404("no such log")
    revision = duel.revision_1 if side == 1 else duel.revision_2
    filename = f"duel-{duel.pk}-player-{side}-{revision.competitor.name}.log"
    field = duel.log_1 if side == 1 else duel.log_2
    return send_stored_file(field, filename, "text/plain; charset=utf-8")


urlpatterns = [
    path("duels/<int:pk>/", duel_page, name="duel"),
    path("duels/<int:pk>/logs/<int:side>.log", duel_log, name="duel-log"),
    path("duels/<int:pk>/progress.json", duel_progress, name="duel-progress"),
    path("duels/<int:pk>/matches/<int:number>.json", match_json, name="match-json"),
    path("duels/<int:pk>/matches/<int:number>/", replay, name="replay"),
]
