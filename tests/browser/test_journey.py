"""A participant's first evening, in a real browser against a real arena: sign up, create a
competitor, upload the example random player, watch its validation pass, see the
leaderboard once the tournament ran, open a replay and step through it.

Real services behind the live server: PostgreSQL, a Celery worker and beat, Docker.
Screenshots of each page land in var/screenshots/ (laptop and phone sizes) to be looked at.
"""

from __future__ import annotations

import re

import pytest

from core.models import Revision, Tournament
from tests.browser.plugin import screenshot
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def _zip_of(folder, tmp_path):
    from console.management.commands.arena_demo import zip_folder

    path = tmp_path / f"{folder.name}.zip"
    path.write_bytes(zip_folder(folder).read())
    return path


def test_a_new_user_goes_from_sign_up_to_a_replay(
    page, live_server, celery_processes, docker_client, no_leftover_containers, tmp_path
):
    celery_processes.worker()
    # Someone to play against, already in the game.
    house = factories.submit(EXAMPLE_PLAYERS / "dummy", name="house-dummy")
    wait_for(
        lambda: Revision.objects.filter(pk=house.pk, test_state=Revision.TEST_COMPLETED).exists(),
        180,
        message="the house player's validation",
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url)
    screenshot(page, "01-home")
    page.get_by_role("link", name="Sign up").click()
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password1]", "a long passphrase 42")
    page.fill("input[name=password2]", "a long passphrase 42")
    screenshot(page, "02-signup")
    page.get_by_role("button", name="Sign up").click()

    # Signed up and sent to the submit page: create a competitor, then upload its zip.
    page.wait_for_url(re.compile(r"/submit/"))
    page.select_option("select[name=game]", "tic-tac-toe")
    page.fill("input[name=name]", "my-bot")
    page.check("input[name=is_public]")
    page.locator("#create").get_by_role("button", name="Create").click()
    page.wait_for_selector("#upload-form")
    page.set_input_files("input[name=zip_file]", str(_zip_of(EXAMPLE_PLAYERS / "random", tmp_path)))
    screenshot(page, "03-submit")
    page.click("#upload-button")

    # The revision page follows the build and the validation without a reload by hand.
    page.wait_for_url(re.compile(r"/competitors/my-bot/revisions/1/"))
    validation = page.locator("[data-step=validation] [data-role=badge]")
    validation.filter(has_text="completed").wait_for(timeout=180_000)
    screenshot(page, "04-revision-valid")

    # The tournament forms (beat) and runs (worker); the game page shows the leaderboard.
    celery_processes.beat()
    wait_for(
        lambda: Tournament.objects.filter(
            environment__slug="tic-tac-toe", state=Tournament.COMPLETED
        ).exists(),
        240,
        message="the tournament",
    )
    page.goto(f"{live_server.url}/games/tic-tac-toe/")
    leaderboard = page.locator("table.leaderboard")
    assert "my-bot" in leaderboard.inner_text() and "house-dummy" in leaderboard.inner_text()
    screenshot(page, "05-game")

    # From the results grid to the duel, then to the replay of its first match.
    page.get_by_role("link", name=re.compile("Results grid")).click()
    page.locator("table.matrix td.cell a").first.click()
    page.wait_for_url(re.compile(r"/duels/\d+/$"))
    screenshot(page, "06-duel")
    # The match list's link (the coach's links above it open a blunder's step).
    page.get_by_role("link", name="Replay of match 1", exact=True).first.click()
    page.wait_for_url(re.compile(r"/duels/\d+/matches/1/"))
    status = page.locator("#step-status")
    assert status.inner_text().startswith("Step 0")
    page.click("#forward")
    assert status.inner_text().startswith("Step 1")
    page.keyboard.press("ArrowRight")
    assert status.inner_text().startswith("Step 2")
    page.keyboard.press("ArrowLeft")
    assert status.inner_text().startswith("Step 1")
    assert page.url.endswith("#step-1")
    page.keyboard.press("End")
    assert (
        "result" in status.inner_text().lower()
        or "won" in status.inner_text().lower()
        or ("draw" in status.inner_text().lower())
    )
    screenshot(page, "07-replay")
    assert errors == [], errors
