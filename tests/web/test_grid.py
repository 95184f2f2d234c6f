"""The tournament page's results grid: each cell tells the duel's result from the row's side,
in short ("W 12-7", an en dash on the page) and in words (its title), and links to the duel,
or to the live page while the duel is played."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from core.models import Duel, Environment
from tests.platform import factories
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = pytest.mark.django_db


def _cells(page: str) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    """(row, column) -> (class, title, href, text) of each duel cell of the grid."""
    grid = page.split('<table class="matrix">')[1].split("</table>")[0]
    columns = re.findall(r'<th title="([^"]+)">', grid)
    cells = {}
    for row in re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", grid, re.S):
        tds = re.findall(r'<td class="cell ([a-z]+)"(?: title="([^"]*)")?>(.*?)</td>', row[1], re.S)
        for column, (kind, title, inner) in zip(columns, tds, strict=True):
            link = re.search(r'href="([^"]+)"[^>]*>(.*?)</a>', inner)
            href, text = link.groups() if link else ("", "")
            cells[(row[0], column)] = (kind, html.unescape(title), href, html.unescape(text))
    return cells


def test_each_cell_says_the_result_and_links_to_its_duel(anonymous):
    for name in ("alpha", "beta", "gamma"):
        factories.valid_revision(factories.competitor("connect-four", name))
    tournament = schedule_tournament(Environment.objects.get(slug="connect-four"), send=False)
    duels = {
        frozenset((d.revision_1.competitor.name, d.revision_2.competitor.name)): d
        for d in tournament.duels.select_related("revision_1__competitor", "revision_2__competitor")
    }
    won = duels[frozenset(("alpha", "beta"))]
    # Player 1 won 10, player 2 won 5 and failed twice (2 more for player 1), 3 draws.
    won.state, won.result, won.num_matches, won.matches_done = (
        Duel.COMPLETED,
        "PLAYER_1_WIN",
        20,
        20,
    )
    won.player_1_wins, won.player_2_wins, won.player_2_errors, won.draws = 10, 5, 2, 3
    won.save()
    drawn = duels[frozenset(("alpha", "gamma"))]
    drawn.state, drawn.result, drawn.player_1_wins, drawn.player_2_wins = (
        Duel.COMPLETED, "DRAW", 4, 4,
    )  # fmt: skip
    drawn.save()
    live = duels[frozenset(("beta", "gamma"))]
    live.state, live.matches_done, live.num_matches = Duel.RUNNING, 7, 20
    live.save()
    duel_finished(won)

    page = anonymous.get(reverse("tournament", args=["connect-four", tournament.edition]))
    cells = _cells(page.content.decode())
    p1, p2 = won.revision_1.competitor.name, won.revision_2.competitor.name
    winner = cells[(p1, p2)]
    assert winner == (
        "win", f"{p1} beat {p2}: 12 matches won to 5, 3 drawn", reverse("duel", args=[won.pk]),
        "W 12\u20135",
    )  # fmt: skip
    assert cells[(p2, p1)] == (
        "loss", f"{p2} lost to {p1}: 5 matches won to 12, 3 drawn", reverse("duel", args=[won.pk]),
        "L 5\u201312",
    )  # fmt: skip
    d1, d2 = drawn.revision_1.competitor.name, drawn.revision_2.competitor.name
    assert cells[(d1, d2)][0] == "draw" and cells[(d1, d2)][3] == "D 4\u20134"
    assert cells[(d1, d2)][1] == f"{d1} drew with {d2}: 4 matches won to 4"
    l1, l2 = live.revision_1.competitor.name, live.revision_2.competitor.name
    for key in ((l1, l2), (l2, l1)):
        kind, title, href, text = cells[key]
        assert (kind, href, text) == ("live", reverse("duel-live", args=[live.pk]), "live")
        assert "being played, 7 of 20 matches so far" in title
    assert page.content.decode().count('class="cell self"') == 3


def test_a_waiting_and_a_failed_duel_say_so(anonymous):
    for name in ("alpha", "beta", "gamma"):
        factories.valid_revision(factories.competitor("tic-tac-toe", name))
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    failed = tournament.duels.first()
    failed.state, failed.result = Duel.FAILED, "ERROR"
    failed.save()
    page = anonymous.get(reverse("tournament", args=["tic-tac-toe", tournament.edition]))
    cells = [cell for cell in _cells(page.content.decode()).values() if cell[0] != "self"]
    kinds = sorted(cell[0] for cell in cells)
    assert kinds == ["error", "error", "pending", "pending", "pending", "pending"]
    for kind, title, href, text in cells:
        assert href.startswith("/duels/")
        if kind == "error":
            assert text == "failed" and "the duel failed" in title
        else:
            assert text == "\u2026" and title.endswith("waiting to be played")
