"""Results explained, in a real browser at laptop and phone widths: a leaderboard that says
what decides the rank, the page "How results are counted", and a duel's counters in the same
words. Screenshots land in var/screenshots/ (laptop and phone)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from arena import results
from tests.browser.plugin import screenshot
from tests.web.test_duels import make_duel, play
from tests.web.test_scoring import edition

pytestmark = [pytest.mark.browser, pytest.mark.services]


def test_a_spectator_reads_the_leaderboard_the_scoring_page_and_a_duel(page, live_server, settings):
    settings.ARENA_DUEL_MATCHES = 20
    tournament = edition()
    duel = make_duel(play("random", 20), names=("alpha", "bravo"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every stylesheet and script found (the favicon is another page's business).
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and "favicon" not in r.url and errors.append(f"{r.status} {r.url}")
        ),
    )

    # The leaderboard: rank, then the column that decides it and its tie-breaks, marked.
    page.goto(f"{live_server.url}{reverse('game', args=['quarto'])}")
    board = page.locator("table.leaderboard")
    headers = [h.strip().split()[0] for h in board.locator("thead th").all_inner_texts()]
    assert headers == [
        "Rank", "Competitor", "Owner", "Points", "W", "D", "L", "Score", "Rating", "Sure",
    ]  # fmt: skip
    assert board.locator("tbody tr").first.locator("td").nth(1).inner_text().startswith("alpha")
    alpha = tournament.participants.get(revision__competitor__name="alpha")
    first_row = board.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first_row[-2] == results.format_rating(alpha.rating)
    sure = results.format_confidence(alpha.next_confidence, alpha.next_separated)
    assert first_row[-1].replace(" ", "") == sure
    assert "duels of 20 matches" in page.locator("body").inner_text()
    board.scroll_into_view_if_needed()
    screenshot(page, "scoring-01-leaderboard")

    # The caption's link explains it all, with the game's numbers as played.
    board.get_by_role("link", name="How results are counted").click()
    page.wait_for_url(re.compile(r"/games/quarto/scoring/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("How results are counted")
    lead = page.locator(".scoring-lead").inner_text()
    assert "duels of 20 matches" in lead and "2 points" in lead
    for anchor in ("#match", "#duel", "#edition", "#ties", "#rating", "#sure", "#limits", "#names"):
        assert page.locator(anchor).is_visible()
    numbers = " ".join(page.locator("#limits").inner_text().split())
    assert "Matches per duel 20 shortened by this arena" in numbers
    screenshot(page, "scoring-02-page")

    # A duel's counters: W-D-L of matches, then errors and score, and the way back to the rules.
    page.goto(f"{live_server.url}{reverse('duel', args=[duel.pk])}")
    counters = page.locator("table.duel-counters")
    headers = [h.strip().split()[0] for h in counters.locator("thead th").all_inner_texts()]
    assert headers == ["Player", "W", "D", "L", "Errors", "Score"]
    won = duel.player_1_wins + duel.player_2_errors
    assert counters.locator("tbody tr").first.locator("td").nth(1).inner_text() == str(won)
    counters.scroll_into_view_if_needed()
    screenshot(page, "scoring-03-duel")
    counters.get_by_role("link", name="How results are counted").click()
    page.wait_for_url(re.compile(r"/games/tic-tac-toe/scoring/#duel$"))
    assert page.locator("#duel").is_visible()
    assert errors == []
