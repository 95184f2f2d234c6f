"""How sure the ranking is, as a participant reads it: the leaderboard's Sure column and tie
mark (game and edition pages), the edition's extra duels, the API's fields, the terminal's
format."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arena import results
from core.models import Duel, Environment, Tournament
from tests.platform import factories
from tests.platform.test_confidence import _extras, _finish
from tests.web.test_scoring import rows, text
from tournament_manager.services import schedule_tournament


@pytest.mark.parametrize(
    ("confidence", "separated", "shown"),
    [
        (None, None, "-"),
        (0.9992, True, ">99%"),
        (0.99, True, "99%"),
        (0.95, True, "95%"),
        (0.9499, False, "\u224894%"),  # rounded down: never shown at the threshold when below
        (0.5, False, "\u224850%"),
        (0.08, False, "\u22488%"),
    ],
)
def test_the_confidence_reads_in_whole_percents_with_the_tie_mark(confidence, separated, shown):
    assert results.format_confidence(confidence, separated) == shown
    terminal = results.format_confidence(confidence, separated, mark=results.TIED_MARK_TERMINAL)
    assert terminal == shown.replace(results.TIED_MARK, "~")
    assert terminal.isascii()


def test_the_terminal_row_ends_with_the_confidence():
    row = results.leaderboard_row(1, "alpha v1", "ann", 4, 2, 0, 0, 12.0, 3.5, 0.79, False)
    assert len(row) == len(results.LEADERBOARD_HEADER) and results.LEADERBOARD_HEADER[-1] == "Sure"
    assert row[-1] == "~79%"


@pytest.fixture
def close_edition(settings, db) -> tuple[Tournament, Duel]:
    """alpha above bravo 4-2 in matches (79%, tied), bravo above charlie 6-0 (separated); one
    extra duel alpha-bravo played 3-3, the budget (1) spent."""
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 1
    a, b, c = (
        factories.valid_revision(factories.competitor("tic-tac-toe", name))
        for name in ("alpha", "bravo", "charlie")
    )
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    duels = {frozenset((d.revision_1_id, d.revision_2_id)): d for d in tournament.duels.all()}
    _finish(duels[frozenset((a.pk, c.pk))], a, 6, 0)
    _finish(duels[frozenset((b.pk, c.pk))], b, 6, 0)
    _finish(duels[frozenset((a.pk, b.pk))], a, 4, 2)
    [extra] = _extras(tournament)
    _finish(extra, a, 3, 3)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED
    return tournament, extra


def test_the_leaderboard_shows_how_sure_it_is_and_marks_ties(anonymous, close_edition):
    tournament, _ = close_edition
    for url in (
        reverse("game", args=["tic-tac-toe"]),
        reverse("tournament", args=["tic-tac-toe", tournament.edition]),
    ):
        page = anonymous.get(url).content.decode()
        table = rows(page, "leaderboard")
        assert [row[1].split(" ")[0] for row in table] == ["alpha", "bravo", "charlie"]
        # 7-5 in matches over the round-robin duel and the extra one: Phi(2 / sqrt 12) = 72%.
        assert [row[9] for row in table] == ["\u2248 71%", ">99%", "-"]
        assert 'aria-label="tied"' in page
        assert (
            'title="alpha above bravo: 71% sure, from their matches against each other (7-0-5); '
            'below 95%, so the two are tied"'
        ) in page.replace("&#x27;", "'")
        assert (
            'title="bravo above charlie: &gt;99% sure, from their matches against each other'
            in (page)
        )
        caption = text(page.split('class="leaderboard-caption"')[1].split("</caption>")[0])
        assert "Sure : how sure the ranking is that each one is above the next" in caption
        assert "\u2248 below 95%: tied" in caption
        # Extra duels are not points: alpha won 2 duels, 4 points; bravo 1, 2.
        assert [row[3] for row in table] == ["4", "2", "0"]


def test_the_edition_lists_its_extra_duels_apart_from_the_grid(anonymous, close_edition):
    tournament, extra = close_edition
    page = anonymous.get(reverse("tournament", args=["tic-tac-toe", tournament.edition]))
    page = page.content.decode()
    grid = page.split('class="matrix"')[1].split("</table>")[0]
    assert reverse("duel", args=[extra.pk]) not in grid
    section = page.split("<h2>Extra duels</h2>")[1]
    assert reverse("duel", args=[extra.pk]) in section
    assert "alpha drew with bravo: 3 matches won to 3" in text(section)
    assert f"{tournament.duels_done} of {tournament.duels_total} duels played" in text(page)
    assert tournament.duels_total == 4


def test_an_edition_without_extra_duels_has_no_such_section(anonymous, db):
    factories.valid_revision(), factories.valid_revision()
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    page = anonymous.get(reverse("tournament", args=["tic-tac-toe", tournament.edition]))
    assert "Extra duels" not in page.content.decode()


def test_the_api_gives_the_confidence_of_each_row(anonymous, close_edition):
    tournament, _ = close_edition
    data = anonymous.get(f"/api/v1/games/tic-tac-toe/tournaments/{tournament.edition}/").json()
    board = {row["competitor"]: row for row in data["leaderboard"]}
    alpha, bravo, charlie = board["alpha"], board["bravo"], board["charlie"]
    assert alpha["next_confidence"] == pytest.approx(0.7181, abs=1e-4)
    assert alpha["next_separated"] is False
    assert alpha["next_matches"] == {"wins": 7, "draws": 0, "losses": 5}
    assert bravo["next_separated"] is True and bravo["next_confidence"] > 0.99
    assert bravo["next_matches"] == {"wins": 6, "draws": 0, "losses": 0}
    assert charlie["next_confidence"] is None and charlie["next_separated"] is None
    assert charlie["next_matches"] is None


def test_the_scoring_page_explains_the_confidence_and_the_budget(anonymous, settings, db):
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 4
    page = text(anonymous.get(reverse("scoring", args=["quarto"])).content.decode())
    assert "How sure the ranking is" in page
    assert "\u03a6((W \u2212 L) / \u221a(W + L))" in page
    assert "Below 95% the two are not separated" in page
    assert "spent its 4 extra duels" in page
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 0
    page = text(anonymous.get(reverse("scoring", args=["quarto"])).content.decode())
    assert "This arena plays no extra duels" in page
