"""A game's page "How results are counted": every number of the arena, in its words.

The numbers come from the game's ``info.yml`` (its row) and from the arena's effective
settings, so the page says what is actually played (``ARENA_DUEL_MATCHES`` shortens duels in
the demo); the names and meanings are :mod:`arena.results`', as on every page, in the API,
the ``arena`` command and the demo's terminal.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from arena import results
from run_duel import outcomes
from run_duel.duel import DEFAULT_MAX_RESTARTS
from tournament_manager.confidence import DRAWN_OUT
from tournament_manager.services import duel_length
from web.access import get_game


def scoring(request: HttpRequest, slug: str) -> HttpResponse:
    game = get_game(slug)
    matches = duel_length(game)
    # A worked example at this game's duel length: player 1 wins 60 % of the matches that
    # are not drawn, a tenth are drawn and one of player 2's losses is an error.
    draws = matches // 10
    wins_1 = (matches - draws) * 3 // 5
    wins_2 = matches - draws - wins_1
    return render(
        request,
        "web/scoring.html",
        {
            "game": game,
            "duel_matches": matches,
            "shortened": matches != game.num_matches,
            "validation_matches": settings.ARENA_VALIDATION_MATCHES,
            "max_restarts": DEFAULT_MAX_RESTARTS,
            "points_per_win": outcomes.POINTS_PER_WIN,
            "points_per_draw": outcomes.POINTS_PER_DRAW,
            "rating_sigmas": results.RATING_SIGMAS,
            "meanings": results.MEANINGS,
            "extra_duels": settings.ARENA_EXTRA_DUELS_PER_EDITION,
            "drawn_out": DRAWN_OUT,
            "example": {
                "wins_1": wins_1,
                "wins_2": wins_2,
                "draws": draws,
                "errors_2": 1 if wins_1 else 0,
            },
        },
    )


urlpatterns = [path("games/<slug:slug>/scoring/", scoring, name="scoring")]
