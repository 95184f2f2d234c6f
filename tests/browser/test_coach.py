"""The coach in a real browser: the replay says each step's proven value as the viewer steps
through the match, and the blunder report draws its positions with the game's renderer."""

from __future__ import annotations

import pytest

from duel_runner.coach import analyse_duel
from tests.browser.plugin import screenshot
from tests.platform.coach_duels import completed_duel, revision_of

pytestmark = [pytest.mark.browser, pytest.mark.services]


def test_the_replay_and_the_blunder_report_show_proven_values(page, live_server, transactional_db):
    blunderer = revision_of("blunderer")
    duel = completed_duel(blunderer, revision_of("steady"))
    analyse_duel(duel.pk)

    page.goto(f"{live_server.url}/duels/{duel.pk}/matches/2/#step-1")
    value = page.locator("#step-value")
    assert value.inner_text() == "Proven value: draw with best play (b2)"
    page.locator("#forward").click()
    assert value.inner_text().startswith("Proven value: X wins in 3 (winning moves: ")
    page.locator("#last").click()
    assert value.is_hidden()  # the last position is finished: the outcome says it
    screenshot(page, "coach-replay")

    page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/blunderer/revisions/1/blunders/")
    board = page.locator(".blunder-board").first
    assert board.locator("*").count() > 0, "the position is drawn by the game's renderer"
    screenshot(page, "coach-blunders")
    page.locator(".blunder a").first.click()
    page.wait_for_url(f"**/duels/{duel.pk}/matches/2/#step-1")
    assert page.locator("#step-value").inner_text() == "Proven value: draw with best play (b2)"
