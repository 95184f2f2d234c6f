"""Home, game and tournament pages: what a spectator sees, in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Duel, Environment
from tests.platform import factories
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = pytest.mark.django_db


def _tournament(size: int, finish: bool = True, game: str = "connect-four"):
    for i in range(size):
        factories.valid_revision(factories.competitor(game, f"bot-{i}"))
    tournament = schedule_tournament(Environment.objects.get(slug=game), send=False)
    if finish:
        for duel in tournament.duels.all():
            duel.state, duel.result = Duel.COMPLETED, "PLAYER_1_WIN"
            duel.player_1_score, duel.player_2_score = 1, -1
            duel.save()
        duel_finished(tournament.duels.first())
        tournament.refresh_from_db()
    return tournament


def test_it_lists_the_games_with_their_leader(anonymous):
    _tournament(3, game="quarto")
    response = anonymous.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Tic-tac-toe", "Connect four", "Quarto"):
        assert name in page
    assert "3</strong> ranked competitors" in page
    assert '<span class="muted">Leader</span> <a href="/games/quarto/competitors/bot-' in page


def test_the_game_page_shows_description_leaderboard_and_editions(anonymous):
    tournament = _tournament(3)
    response = anonymous.get(reverse("game", args=["connect-four"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<table" in page and "bot-0" in page
    assert f"Edition {tournament.edition}" in page
    assert "<h2" in page and "python -m run_duel -e connect-four" in page
    # The description is Markdown rendered to HTML.
    assert "<p>" in page.split("About the game")[1]


def test_a_running_tournament_shows_its_progress(anonymous):
    tournament = _tournament(3, finish=False)
    page = anonymous.get(reverse("game", args=["connect-four"])).content.decode()
    assert 'data-state="RUNNING"' in page and "0 of 3 duels played" in page
    data = anonymous.get(reverse("game-progress", args=["connect-four"])).json()
    assert data == {
        "edition": tournament.edition,
        "state": "RUNNING",
        "duels_done": 0,
        "duels_total": 3,
    }


def test_the_tournament_page_has_a_grid_linking_every_duel(anonymous):
    tournament = _tournament(4)
    response = anonymous.get(reverse("tournament", args=["connect-four", tournament.edition]))
    page = response.content.decode()
    assert response.status_code == 200
    for duel in tournament.duels.all():
        assert page.count(reverse("duel", args=[duel.pk])) == 2  # both sides of the grid
    assert page.count('class="cell self"') == 4


def test_unknown_games_and_editions_are_404(anonymous):
    assert anonymous.get(reverse("game", args=["chess"])).status_code == 404
    assert anonymous.get(reverse("tournament", args=["quarto", 9])).status_code == 404


def test_markdown_descriptions_are_sanitised(anonymous):
    game = Environment.objects.get(slug="quarto")
    game.description = "Hello <script>alert(1)</script> [x](javascript:alert(2)) **bold**"
    game.save()
    page = anonymous.get(reverse("game", args=["quarto"])).content.decode()
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page
    assert "<strong>bold</strong>" in page


@pytest.mark.parametrize("name", ["game", "tournament", "home"])
def test_pages_of_50_competitors_take_a_bounded_number_of_queries(anonymous, name):
    small = _tournament(3)
    urls = {
        "game": reverse("game", args=["connect-four"]),
        "tournament": reverse("tournament", args=["connect-four", small.edition]),
        "home": reverse("home"),
    }
    with CaptureQueriesContext(connection) as few:
        assert anonymous.get(urls[name]).status_code == 200
    for competitor in range(3, 50):
        factories.valid_revision(factories.competitor("connect-four", f"bot-{competitor}"))
    big = schedule_tournament(Environment.objects.get(slug="connect-four"), send=False)
    assert big.participants.count() == 50
    urls["tournament"] = reverse("tournament", args=["connect-four", big.edition])
    with CaptureQueriesContext(connection) as many:
        assert anonymous.get(urls[name]).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
