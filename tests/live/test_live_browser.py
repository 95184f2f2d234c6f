"""A spectator in a real browser watches a real duel, played by a real Celery worker in
Docker sandboxes, move by move until its end: from the game page to the live page.

Screenshots (laptop and phone) land in var/screenshots/ to be looked at.
"""

from __future__ import annotations

import re

import pytest

from core.models import Duel, Revision
from tests.browser.plugin import screenshot
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

# Minimax thinks ~50 ms a move in connect-four: a duel of this many matches lasts long
# enough to be watched, and ends within the test.
MATCHES = 40


def _validated(revision: Revision) -> Revision:
    def done():
        revision.refresh_from_db()
        if revision.image_state == Revision.IMAGE_FAILED:
            pytest.fail(f"build failed: {revision.image_error}")
        return revision.test_state == Revision.TEST_COMPLETED

    wait_for(done, 240, message=f"the validation of {revision}")
    return revision


def test_a_spectator_watches_a_running_duel_to_its_end(
    page,
    live_server,
    celery_processes,
    docker_client,
    no_leftover_containers,
):
    from duel_runner.tasks import run_duel_task

    celery_processes.worker()
    minimax = _validated(factories.submit(EXAMPLE_PLAYERS / "minimax", "connect-four", "minimax"))
    rand = _validated(factories.submit(EXAMPLE_PLAYERS / "random", "connect-four", "random"))
    duel = Duel.objects.create(
        environment=minimax.competitor.environment,
        revision_1=minimax,
        revision_2=rand,
        rules_version=1,
        num_matches=MATCHES,
    )
    run_duel_task.delay(duel.pk)
    wait_for(
        lambda: Duel.objects.filter(pk=duel.pk, state=Duel.RUNNING).exists(),
        60,
        message="the duel to start",
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The game page lists the duel being played and leads to its live page.
    page.goto(f"{live_server.url}/games/connect-four/")
    page.locator("#live-duels").get_by_role("link", name=re.compile("minimax")).click()
    page.wait_for_url(re.compile(rf"/duels/{duel.pk}/live/"))

    # Moves arrive and the board is drawn by the game's renderer.
    page.locator("#moves li").first.wait_for()
    page.locator("#board svg").wait_for()
    assert re.search(r"Match \d+ of 40", page.locator("#live-match").inner_text())
    points = page.locator(".live-points").inner_text()
    screenshot(page, "live-01-watching")

    # Every match that ends changes the points; then the next match starts.
    page.wait_for_function(
        "text => document.querySelector('.live-points').innerText !== text",
        arg=points,
        timeout=60_000,
    )
    page.locator("#recent li .badge").first.wait_for()
    screenshot(page, "live-02-score")

    # The end is said clearly, with the way to the duel's page.
    page.locator("#live-finished").wait_for(timeout=180_000)
    assert page.locator("#live-badge").inner_text() == "Finished"
    screenshot(page, "live-03-finished")
    wait_for(
        lambda: Duel.objects.filter(pk=duel.pk, state=Duel.COMPLETED).exists(),
        60,
        message="the duel to be recorded",
    )
    page.get_by_role("link", name=re.compile("See the duel page")).click()
    page.wait_for_url(re.compile(rf"/duels/{duel.pk}/$"))
    assert page.locator("#duel-result").inner_text().startswith("Result:")
    assert errors == []
