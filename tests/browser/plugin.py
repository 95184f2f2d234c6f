"""A real browser: Playwright driving Debian's Chromium (Playwright cannot fetch its own here).

A plugin of the whole suite (tests/conftest.py): one browser for the session, shared by every
test that drives one. Playwright's sync API allows one instance per thread, so a second
``sync_playwright()`` while this one runs would fail.

Screenshots of every step go to var/screenshots/ (not committed) to be looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, _docker_required

CHROMIUM = os.environ.get("ARENA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
# between two browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set ARENA_CHROMIUM)"
        if _docker_required():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                # The compose stack's tests reach nginx by the reserved test domain.
                "--host-resolver-rules=MAP arena.test 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=[(1280, 860), (390, 844)], ids=["laptop", "phone"])
def page(browser, request):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.screenshot_name = request.node.callspec.id  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{page.screenshot_name}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
