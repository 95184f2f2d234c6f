"""The duel page's arena rerun command, in Chromium at laptop and phone widths: shown whole,
copied by its button, and never widening the page."""

from __future__ import annotations

import pytest

from tests.browser.plugin import screenshot
from tests.web.test_duels import make_duel, play

pytestmark = [pytest.mark.browser]


def test_the_duel_page_offers_the_command_that_plays_it_again(page, live_server, settings):
    duel = make_duel(play(num_matches=2), public_1=True, names=("seeded-one", "seeded-two"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/duels/{duel.pk}/")

    expected = f"arena rerun {settings.ARENA_SITE_URL.rstrip('/')}/duels/{duel.pk}/"
    command = page.locator("#rerun-command")
    command.scroll_into_view_if_needed()
    assert command.is_visible() and command.inner_text() == expected
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width}px wide"
    button = page.locator("button[data-copy=rerun-command]")
    button.click()
    page.wait_for_function("document.querySelector('[data-copy]').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    screenshot(page, "rerun-command")
    assert errors == []
