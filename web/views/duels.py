"""A duel: its result, counters, matches and player logs; a match's replay and its JSON.

The matches live in the duel JSON in storage (``Duel.record_file``), not in the database: a
page reads that file once and takes what it shows from it, so the number of queries stays
the same whatever the number of matches.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

import environments
from core.models import Duel, Revision
from environments.notation import move_texts
from run_duel import outcomes
from run_duel.seeds import is_seed
from web import coach, services
from web.access import get_duel, hide_private_log_tails, visible_logs
from web.downloads import send_stored_file

MATCHES_PER_PAGE = 100

# The side a match result names: its winner, or the player at fault (None: the arena).
MATCH_WINS = {outcomes.PLAYER_1_WIN: 1, outcomes.PLAYER_2_WIN: 2}
MATCH_ERRORS = {outcomes.PLAYER_1_ERROR: 1, outcomes.PLAYER_2_ERROR: 2, outcomes.OTHER_ERROR: None}


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
    if duel.state == Duel.FAILED or duel.result == outcomes.ERROR:
        first_line = error.strip().splitlines()[0] if error.strip() else ""
        return f"failed: {first_line or 'no error message was recorded'}"
    if duel.result in MATCH_WINS:
        winner = duel.revision_1 if MATCH_WINS[duel.result] == 1 else duel.revision_2
        return f"{_player_name(winner)} won"
    if duel.result == outcomes.DRAW:
        return "draw"
    return duel.result or "no result recorded"


def _side_outcome(result: str, side: int) -> tuple[str, str]:
    """One player's outcome of a match: (badge class, word)."""
    if result in MATCH_WINS:
        return ("win", "won") if MATCH_WINS[result] == side else ("loss", "lost")
    if result == outcomes.DRAW:
        return ("draw", "draw")
    if result in MATCH_ERRORS:
        guilty = MATCH_ERRORS[result]
        if guilty is None:
            return ("error", "arena error")
        # The innocent side is awarded the match (docs/rules.md, "One duel": effective wins).
        return ("error", "error") if guilty == side else ("win", "won")
    return ("pending", result or "?")


# The filters of the duel page's list of matches, as its ``show`` query parameter: key ->
# (label, which matches). "Wins" are matches won by playing; a player's error is listed under
# errors (it counts as a win for the other side, docs/rules.md).
MATCH_FILTERS: dict[str, tuple[str, Any]] = {
    "all": ("All", lambda match: True),
    "wins-1": ("Won by player 1", lambda match: match.get("result") == outcomes.PLAYER_1_WIN),
    "wins-2": ("Won by player 2", lambda match: match.get("result") == outcomes.PLAYER_2_WIN),
    "draws": ("Draws", lambda match: match.get("result") == outcomes.DRAW),
    "errors": ("Errors", lambda match: match.get("result") in MATCH_ERRORS),
    "first-1": ("Player 1 first", lambda match: match.get("first_player") == "PLAYER_1"),
    "first-2": ("Player 2 first", lambda match: match.get("first_player") == "PLAYER_2"),
}


def filter_matches(
    matches: list[dict[str, Any]], show: str
) -> tuple[str, list[tuple[int, dict[str, Any]]], dict[str, int]]:
    """The filter in force (an unknown one is "all"), its (number, match) pairs and the
    count of every filter, in one pass over the record."""
    show = show if show in MATCH_FILTERS else "all"
    counts = dict.fromkeys(MATCH_FILTERS, 0)
    kept = []
    for number, match in enumerate(matches, start=1):
        for key, (_, keeps) in MATCH_FILTERS.items():
            if keeps(match):
                counts[key] += 1
                if key == show:
                    kept.append((number, match))
    return show, kept, counts


def first_error(matches: list[dict[str, Any]]) -> int | None:
    """The number of the first match that ended in an error, if any."""
    keeps = MATCH_FILTERS["errors"][1]
    return next((n for n, match in enumerate(matches, start=1) if keeps(match)), None)


def _last_step(matches: list[dict[str, Any]], number: int | None) -> int:
    if number is None:
        return 0
    return max(0, len(matches[number - 1].get("states") or []) - 1)


def _match_words(number: int, match: dict[str, Any], names: dict[str, str], side: int) -> str:
    """One side's cell of the list in words, for its title and screen readers."""
    result = match.get("result", "")
    name = names[f"PLAYER_{side}"]
    scores = f"{match.get('player_1_score', 0)} : {match.get('player_2_score', 0)}"
    if result in MATCH_WINS:
        verb = "won" if MATCH_WINS[result] == side else "lost"
    elif result == outcomes.DRAW:
        verb = "drew"
    elif result == outcomes.OTHER_ERROR:
        verb = "played a match the arena failed"
    elif result in MATCH_ERRORS:
        verb = "failed and lost" if MATCH_ERRORS[result] == side else "won by the other's error"
    else:
        verb = "has no result"
    return f"Match {number}: player {side}, {name}, {verb} (score {scores}); open the replay"


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
        "words_1": _match_words(number, match, names, 1),
        "words_2": _match_words(number, match, names, 2),
        "score_1": match.get("player_1_score", 0),
        "score_2": match.get("player_2_score", 0),
        "error": error,
        "error_summary": error.splitlines()[0] if error else "",
        "moves": max(0, len(match.get("states") or []) - 1),
    }


def _names(duel: Duel) -> dict[str, str]:
    return {"PLAYER_1": _player_name(duel.revision_1), "PLAYER_2": _player_name(duel.revision_2)}


def _logs(duel: Duel, visible: dict[int, bool]) -> list[dict[str, Any]]:
    sides = ((1, duel.revision_1, duel.log_1), (2, duel.revision_2, duel.log_2))
    return [
        {
            "side": side,
            "revision": revision,
            "visible": visible[side],
            # A private log is never even read for someone who may not see it.
            "text": services.player_log(duel, side, visible, services.duel_log_url(duel, side)),
            "download": services.duel_log_url(duel, side) if visible[side] and field else None,
        }
        for side, revision, field in sides
    ]


def _points(duel: Duel) -> tuple[int, int]:
    """Each player's points in the duel (run_duel.outcomes: effective wins and draws)."""
    return outcomes.points(duel.tally)


def rerun_command(duel: Duel, record: dict[str, Any] | None) -> str | None:
    """The command that plays the duel again on a participant's machine (``arena rerun``),
    once it has a record with seeds."""
    if not record or not is_seed(record.get("seed")) or not record.get("matches"):
        return None
    return f"arena rerun {settings.ARENA_SITE_URL.rstrip('/')}{reverse('duel', args=[duel.pk])}"


def duel_page(request: HttpRequest, pk: int) -> HttpResponse:
    duel = get_duel(pk)
    record = services.read_record(duel)
    matches = record.get("matches", []) if record else []
    names = _names(duel)
    visible = visible_logs(request.user, duel)
    error = hide_private_log_tails(duel.error_msg, visible)
    show, kept, counts = filter_matches(matches, request.GET.get("show", "all"))
    page = Paginator(kept, MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [_match_row(number, match, names, visible) for number, match in page.object_list]
    page_links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    filters = [
        {"key": key, "label": label, "count": counts[key], "current": key == show}
        for key, (label, _) in MATCH_FILTERS.items()
    ]
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
            "matches_count": len(matches),
            "filters": filters,
            "show": show,
            # Pager links keep the filter: "?show=errors&page=2".
            "page_query": "" if show == "all" else f"show={show}&",
            "first_error": first_error(matches),
            # The replay opens on the error's last position, where the match stopped.
            "first_error_step": _last_step(matches, first_error(matches)),
            "ellipsis": Paginator.ELLIPSIS,
            "rows": rows,
            "logs": _logs(duel, visible),
            "coach": coach.duel_summary(duel),
            "rerun": rerun_command(duel, record),
            "seed": record.get("seed") if record else None,
            # Whose token re-running needs: the owner of each private player.
            "rerun_private": [
                revision.competitor
                for revision in (duel.revision_1, duel.revision_2)
                if not revision.competitor.is_public
            ],
        },
    )


def duel_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the duel page while the duel runs."""
    duel = get_duel(pk)
    return JsonResponse(
        {"state": duel.state, "matches_done": duel.matches_done, "num_matches": duel.num_matches}
    )


def match_json(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    duel = get_duel(pk)
    match, _ = services.get_match(duel, number, visible_logs(request.user, duel))
    if match is None:
        raise Http404("the matches of this duel are available when it ends")
    response = JsonResponse(services.match_export(duel, number, match))
    filename = f"{duel.environment.slug}-duel-{duel.pk}-match-{number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _steps(slug: str, match: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Who moved into each state, the move in the game's words and the reward of that move.

    States are the position after reset, then one per move; the movers alternate from
    ``first_player``. Rewards are non-zero only on the move that ends the game, so the last
    mover's reward is its score (docs/rules.md, "One match"). The words are the game's own
    (``environments.notation``): "X: b2" where the game names its marks, "Player 2 places
    piece 7 (...)" where both play the same pieces.
    """
    states = match.get("states") or []
    first = 1 if match.get("first_player") == "PLAYER_1" else 2
    marks = environments.info(slug).play.marks
    moves = move_texts(slug, states)
    steps: list[dict[str, Any]] = [
        {"step": 0, "side": None, "name": "", "reward": None, "mark": None, "text": ""}
    ]
    for k in range(1, len(states)):
        side = first if k % 2 == 1 else 3 - first
        mover = 0 if k % 2 == 1 else 1  # 0: the first mover, whose marks are marks[0]
        last = k == len(states) - 1
        reward = match.get(f"player_{side}_score", 0) if last else 0
        mark = marks[mover] if marks else None
        text = f"{mark}: {moves[k - 1]}" if mark else f"Player {side} {moves[k - 1]}"
        steps.append(
            {
                "step": k,
                "side": side,
                "name": names[f"PLAYER_{side}"],
                "reward": reward or 0,
                "mark": mover if mark else None,
                "text": text,
            }
        )
    return steps


def _legend(slug: str, first_side: int, names: dict[str, str]) -> list[dict[str, Any]]:
    """Who plays which of the game's marks in this match (none when both play the same
    pieces): the first mover plays ``marks[0]``, and the first mover changes from match to
    match."""
    marks = environments.info(slug).play.marks
    if not marks:
        return []
    sides = (first_side, 3 - first_side)
    return [
        {"mark": index, "word": marks[index], "side": side, "name": names[f"PLAYER_{side}"]}
        for index, side in enumerate(sides)
    ]


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
    if result == outcomes.DRAW:
        return {"kind": "draw", "text": "Draw", "scores": scores}
    guilty = MATCH_ERRORS.get(result)
    if result == outcomes.OTHER_ERROR:
        text = "The arena failed during this match; it counts for neither player"
    elif guilty:
        text = f"Player {guilty} ({names[f'PLAYER_{guilty}']}) failed and lost the match"
    else:
        text = result or "No result recorded"
    return {"kind": "error", "text": text, "scores": scores}


def replay(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    duel = get_duel(pk)
    match, count = services.get_match(duel, number, visible_logs(request.user, duel))
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
    slug = duel.environment.slug
    steps = _steps(slug, match, names)
    outcome = _match_outcome(match, names)
    data = {
        "game": duel.environment.slug,
        "states": match.get("states") or [],
        "first_player": match.get("first_player"),
        "players": {"1": names["PLAYER_1"], "2": names["PLAYER_2"]},
        "steps": [{"side": s["side"], "reward": s["reward"], "text": s["text"]} for s in steps],
        "result": match.get("result"),
        "player_1_score": match.get("player_1_score", 0),
        "player_2_score": match.get("player_2_score", 0),
        "outcome": f"{outcome['text']}, score {outcome['scores']}",
    }
    # The coach: each step's proven value in words (None: no analysis, and the note says why).
    data["values"], data["coach_note"] = coach.replay_values(duel, match)
    first_side = 1 if match.get("first_player") == "PLAYER_1" else 2
    context.update(
        {
            "match": match,
            "data": data,
            "steps": steps,
            "first_side": first_side,
            "first_name": names[f"PLAYER_{first_side}"],
            "legend": _legend(slug, first_side, names),
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
    if side not in (1, 2) or not visible_logs(request.user, duel)[side]:
        raise Http404("no such log")
    revision = duel.revision_1 if side == 1 else duel.revision_2
    filename = f"duel-{duel.pk}-player-{side}-{revision.competitor.name}.log"
    return send_stored_file(
        services.duel_log_field(duel, side), filename, "text/plain; charset=utf-8"
    )


urlpatterns = [
    path("duels/<int:pk>/", duel_page, name="duel"),
    path("duels/<int:pk>/logs/<int:side>.log", duel_log, name="duel-log"),
    path("duels/<int:pk>/progress.json", duel_progress, name="duel-progress"),
    path("duels/<int:pk>/matches/<int:number>.json", match_json, name="match-json"),
    path("duels/<int:pk>/matches/<int:number>/", replay, name="replay"),
]
