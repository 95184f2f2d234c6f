"""The games: home page, a game's page with its leaderboard, a tournament edition."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path

from core.models import (
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentParticipant,
)
from run_duel import outcomes
from web import records
from web.access import get_game, get_tournament

LIVE_DUELS_SHOWN = 20
# Duels listed on the home page, live and finished.
HOME_DUELS_SHOWN = 6


def _leaderboard(tournament: Tournament | None) -> list[TournamentParticipant]:
    """The edition's rows, best first; each knows the next one down (``next_row``), whom its
    confidence column is about."""
    if tournament is None:
        return []
    rows = list(
        tournament.participants.select_related("revision__competitor__owner").order_by("rank", "pk")
    )
    for row, below in zip(rows, [*rows[1:], None], strict=True):
        row.next_row = below
    return rows


def home(request: HttpRequest) -> HttpResponse:
    """The games with their leaders, the duels being played now and the latest results.

    A fixed handful of queries whatever the arena's size: counts and each game's latest edition
    are subqueries, the duel lists are short and ordered on the database.
    """
    # Ranked: a competitor whose validated revision took part in an edition (entries that never
    # validated are not counted), and not disabled by the organisers.
    ranked = (
        Competitor.objects.filter(
            environment=OuterRef("pk"),
            active=True,
            revisions__test_state=Revision.TEST_COMPLETED,
            revisions__participations__isnull=False,
        )
        .order_by()
        .values("environment")
    )
    games = list(
        Environment.objects.filter(active=True)
        .annotate(
            num_ranked=Subquery(
                ranked.annotate(n=Count("pk", distinct=True)).values("n"),
                output_field=IntegerField(),
            ),
            num_submitters=Subquery(
                ranked.annotate(n=Count("owner", distinct=True)).values("n"),
                output_field=IntegerField(),
            ),
            latest_id=Subquery(
                Tournament.objects.filter(environment=OuterRef("pk"))
                .order_by("-edition")
                .values("pk")[:1]
            ),
        )
        .order_by("name")
    )
    editions = Tournament.objects.in_bulk([game.latest_id for game in games if game.latest_id])
    leaders: dict[int, list[TournamentParticipant]] = {}
    for leader in (
        TournamentParticipant.objects.filter(tournament_id__in=editions, rank=1)
        .select_related("revision__competitor")
        .order_by("pk")
    ):
        leaders.setdefault(leader.tournament_id, []).append(leader)
    cards = [
        {
            "game": game,
            "latest": editions.get(game.latest_id),
            "leaders": leaders.get(game.latest_id, []),
        }
        for game in games
    ]
    players = ("environment", "revision_1__competitor", "revision_2__competitor")
    live = list(
        Duel.objects.filter(state=Duel.RUNNING, environment__active=True)
        .select_related(*players)
        .order_by("started", "pk")[:HOME_DUELS_SHOWN]
    )
    recent = [
        {"duel": duel, "winner": _winner(duel), "tally": _tally(duel)}
        for duel in Duel.objects.filter(state=Duel.COMPLETED, environment__active=True)
        .select_related(*players)
        .order_by("-finished", "-pk")[:HOME_DUELS_SHOWN]
    ]
    return render(
        request, "web/home.html", {"cards": cards, "live_duels": live, "recent_duels": recent}
    )


def _winner(duel: Duel) -> int | None:
    """The side (1 or 2) that won a finished duel, None for a draw."""
    return {outcomes.PLAYER_1_WIN: 1, outcomes.PLAYER_2_WIN: 2}.get(duel.result)


def _tally(duel: Duel) -> str:
    """Matches won by the winner first, then the other's ("12-5", an en dash), then draws."""
    first, second = duel.player_1_wins, duel.player_2_wins
    if _winner(duel) == 2:
        first, second = second, first
    drawn = f", {duel.draws} match{'es' if duel.draws > 1 else ''} drawn" if duel.draws else ""
    return f"{first}\u2013{second}{drawn}"


def game(request: HttpRequest, slug: str) -> HttpResponse:
    environment = get_game(slug)
    editions = list(environment.tournaments.order_by("-edition"))
    latest = editions[0] if editions else None
    # The duels being played now, to watch live; a few at most run at once per worker.
    running = list(
        environment.duels.filter(state=Duel.RUNNING)
        .select_related("revision_1__competitor", "revision_2__competitor")
        .order_by("started", "pk")[:LIVE_DUELS_SHOWN]
    )
    return render(
        request,
        "web/game.html",
        {
            "game": environment,
            "latest": latest,
            "leaderboard": _leaderboard(latest),
            "editions": editions,
            "running_duels": running,
            "first_player": records.first_player_advantage(environment),
        },
    )


def progress(request: HttpRequest, slug: str) -> JsonResponse:
    """The latest edition's progress, polled by the game page while it runs."""
    environment = get_game(slug)
    latest = environment.tournaments.order_by("-edition").first()
    if latest is None:
        return JsonResponse({"edition": None})
    return JsonResponse(
        {
            "edition": latest.edition,
            "state": latest.state,
            "duels_done": latest.duels_done,
            "duels_total": latest.duels_total,
        }
    )


def tournament(request: HttpRequest, slug: str, edition: int) -> HttpResponse:
    edition_row = get_tournament(slug, edition)
    leaderboard = _leaderboard(edition_row)
    # The grid is the round robin; the extra duels between tied neighbours are listed apart.
    duels = Duel.objects.filter(tournamentduel__tournament=edition_row, tournamentduel__extra=False)
    extras = list(
        Duel.objects.filter(tournamentduel__tournament=edition_row, tournamentduel__extra=True)
        .select_related("revision_1__competitor", "revision_2__competitor")
        .order_by("pk")
    )
    by_pair: dict[tuple[int, int], Duel] = {}
    for duel in duels:
        by_pair[(duel.revision_1_id, duel.revision_2_id)] = duel
        by_pair[(duel.revision_2_id, duel.revision_1_id)] = duel
    rows = []
    for row_participant in leaderboard:
        cells = []
        for column in leaderboard:
            me, other = row_participant.revision_id, column.revision_id
            duel = by_pair.get((me, other))
            names = (row_participant.revision.competitor.name, column.revision.competitor.name)
            cells.append(grid_cell(duel, me, names) if me != other else {"kind": "self"})
        rows.append({"participant": row_participant, "cells": cells})
    return render(
        request,
        "web/tournament.html",
        {
            "tournament": edition_row,
            "game": edition_row.environment,
            "leaderboard": leaderboard,
            "rows": rows,
            "extra_duels": [
                {
                    "duel": duel,
                    "cell": grid_cell(
                        duel,
                        duel.revision_1_id,
                        (duel.revision_1.competitor.name, duel.revision_2.competitor.name),
                    ),
                }
                for duel in extras
            ],
        },
    )


def grid_cell(duel: Duel | None, me: int, names: tuple[str, str]) -> dict[str, object]:
    """A results-grid cell from ``me``'s side (``names``: the row's competitor, the column's).

    ``text`` is short ("W 12-7", an en dash on the page: won, 12 matches to 7, each side's
    effective wins: its wins and its opponent's errors, docs/rules.md), ``title`` says it in
    full; a duel being played links to its live page, one waiting says so.
    """
    mine, theirs = names
    if duel is None:
        return {"kind": "pending", "text": "", "title": f"{mine} and {theirs} have no duel yet"}
    if duel.state == Duel.RUNNING:
        return {
            "kind": "live",
            "text": "live",
            "title": f"{mine} vs {theirs}: being played, {duel.matches_done} of "
            f"{duel.num_matches} matches so far; watch it live",
            "duel": duel,
            "live": True,
        }
    if not duel.is_finished:
        return {
            "kind": "pending",
            "text": "…",
            "title": f"{mine} vs {theirs}: waiting to be played",
            "duel": duel,
        }
    side = 1 if duel.revision_1_id == me else 2
    wins = duel.matches_won
    mine_won, theirs_won = wins if side == 1 else wins[::-1]
    score = f"{mine_won}\u2013{theirs_won}"
    drawn = f", {duel.draws} drawn" if duel.draws else ""
    tally = f"{mine_won} matches won to {theirs_won}{drawn}"
    if duel.state == Duel.FAILED or duel.result == outcomes.ERROR:
        return {
            "kind": "error",
            "text": "failed",
            "title": f"{mine} vs {theirs}: the duel failed (the arena's fault, never a "
            "player's); it is played again",
            "duel": duel,
        }
    if duel.result in (outcomes.PLAYER_1_WIN, outcomes.PLAYER_2_WIN):
        won = duel.result == (outcomes.PLAYER_1_WIN if side == 1 else outcomes.PLAYER_2_WIN)
        verb = "beat" if won else "lost to"
        return {
            "kind": "win" if won else "loss",
            "text": f"{'W' if won else 'L'} {score}",
            "title": f"{mine} {verb} {theirs}: {tally}",
            "duel": duel,
        }
    return {
        "kind": "draw",
        "text": f"D {score}",
        "title": f"{mine} drew with {theirs}: {tally}",
        "duel": duel,
    }


urlpatterns = [
    path("", home, name="home"),
    path("games/<slug:slug>/", game, name="game"),
    path("games/<slug:slug>/progress.json", progress, name="game-progress"),
    path("games/<slug:slug>/editions/<int:edition>/", tournament, name="tournament"),
]
