"""Fast feedback, as a participant sees it in a real browser: an upload lands on its revision
page, which shows the build log as the arena's steps while the build runs and then the
verdict; a failed revision shows its reason on one line and the whole error when unfolded.

Real services behind the live server: PostgreSQL, a Celery worker, Docker (and the package
index, for the build requirements of the player's own package). Screenshots land in
var/screenshots/ (laptop and phone sizes).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.models import Revision
from tests.browser.plugin import screenshot
from tests.builder.conftest import CA_BUNDLE
from tests.builder.zips import RANDOM_PLAYER, write_zip
from tests.platform import factories

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

# The player's own package takes a while to install, so that the build can be watched.
SLOW_SETUP = (
    "import time\nprint('setting up the slow package')\ntime.sleep(12)\n"
    "from setuptools import setup\nsetup(name='slow', version='1.0', py_modules=[])\n"
)
TRACEBACK = (
    "player 1 broke the rules in match 1: action 12 is not one of the valid actions "
    "(0, 1, 2, 3, 4, 5, 6, 7, 8)\n"
    "Traceback (most recent call last):\n"
    '  File "/player/player.py", line 14, in act\n'
    "    return self.policy(observation)\n"
    '  File "/player/player.py", line 22, in policy\n'
    "    return int(np.argmax(scores)) + 10\n"
    "IndexError: the policy's scores have 9 entries, not 12"
)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_an_upload_shows_its_build_live_then_its_verdict_and_a_failure_folded(
    page, live_server, celery_processes, docker_client, no_leftover_containers, tmp_path,
    monkeypatch,
):  # fmt: skip
    if CA_BUNDLE.is_file():  # the worker's pip, behind an intercepting proxy
        monkeypatch.setenv("ARENA_PIP_CA_BUNDLE", str(CA_BUNDLE))
    monkeypatch.setenv("ARENA_PLAYER_IMAGE_REPOSITORY", "arena-test-build")
    celery_processes.worker()
    owner = factories.user("grace")
    competitor = factories.competitor("tic-tac-toe", "patient-bot", owner, is_public=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, live_server, owner)

    # Upload through the site: the player, and its own package that installs slowly.
    player = write_zip(
        tmp_path / "patient-bot.zip",
        {"player.py": RANDOM_PLAYER, "requirements.txt": "./slow\n", "slow/setup.py": SLOW_SETUP},
    )
    page.goto(f"{live_server.url}/submit/?competitor={competitor.pk}#upload")
    page.set_input_files("input[name=zip_file]", str(player))
    page.click("#upload-button")
    page.wait_for_url(re.compile(r"/competitors/patient-bot/revisions/1/"))

    # The build log streams in while the build runs: the arena's steps, pip's output folded.
    log = page.locator(".build-log-body")
    log.get_by_text("installing ./slow").wait_for(timeout=180_000)
    build = page.locator("[data-step=build] [data-role=badge]")
    assert "running" in build.inner_text().lower()
    titles = log.locator(".build-step-title").all_inner_texts()
    assert titles[:2] == ["Unpacking", "Dependencies"]
    assert log.locator("details.tool-output").count() >= 1
    assert page.locator("#revision-live").is_visible()
    page.locator("#revision-status").scroll_into_view_if_needed()
    screenshot(page, "feedback-01-build-streaming")

    # Then the verdict, without a reload by hand.
    validation = page.locator("[data-step=validation] [data-role=badge]")
    validation.filter(has_text="completed").wait_for(timeout=240_000)
    page.locator(".build-step-title", has_text="Image").wait_for()
    assert page.locator("#revision-live").is_hidden()
    assert not page.locator(".error-fold").count()
    # A fold of pip's output opens on a click.
    fold = page.locator("details.tool-output").first
    fold.locator("summary").click()
    assert fold.locator("pre").is_visible()
    screenshot(page, "feedback-02-validated")

    # A revision that failed its validation: the reason on one line, the whole error folded.
    Revision.objects.create(
        competitor=competitor,
        version=2,
        zip_file=Revision.objects.get(competitor=competitor, version=1).zip_file.name,
        image_state=Revision.IMAGE_COMPLETED,
        image_log=Revision.objects.get(competitor=competitor, version=1).image_log,
        test_state=Revision.TEST_FAILED,
        test_error=TRACEBACK,
    )
    page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/patient-bot/revisions/2/")
    error = page.locator("#validation-error")
    summary = error.locator("summary")
    assert "action 12 is not one of the valid actions" in summary.inner_text()
    assert "Traceback" not in summary.inner_text()
    whole = error.locator(".error-text")
    assert whole.is_hidden()
    screenshot(page, "feedback-03-failed-folded")
    summary.click()
    assert whole.is_visible()
    # Its line breaks are kept: one line of the traceback per line on the page.
    assert whole.inner_text().splitlines()[1] == "Traceback (most recent call last):"
    screenshot(page, "feedback-04-failed-unfolded")
    assert errors == []
