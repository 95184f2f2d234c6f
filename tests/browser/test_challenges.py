"""The challenge form on a competitor's page and the duel page it leads to, in a real browser
at laptop and phone widths, light and dark: nothing wider than the screen, the label said.

Screenshots land in var/screenshots/ (``<width>-challenge-*.png``) to be looked at.
"""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import Duel
from tests.browser.plugin import screenshot
from tests.platform import factories

pytestmark = [pytest.mark.browser]


def _log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width}px wide"


def _brightness(rgb: str) -> float:
    """The mean of a CSS colour's channels, 0 (black) to 255 (white)."""
    channels = [float(part) for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3]]
    return sum(channels) / 3


def test_a_challenge_from_the_form_to_its_duel_page(browser, page, live_server, redis_broker):
    ada = factories.user("ada")
    mine = factories.competitor(name="a-long-competitor-name", owner=ada)
    factories.valid_revision(mine)
    factories.valid_revision(mine)
    factories.valid_revision(factories.competitor(name="rival", is_public=True))
    _log_in(page.context, live_server, ada)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/rival/")
    form = page.locator("#challenge")
    form.get_by_label("With").select_option(label="a-long-competitor-name v1")
    form.get_by_label("Matches").fill("4")
    _fits(page)
    screenshot(page, "challenge-1-form")
    form.get_by_role("button", name="Challenge").click()
    page.wait_for_url("**/duels/*/")
    duel = Duel.objects.get(kind=Duel.CHALLENGE)
    assert (duel.revision_1.version, duel.num_matches) == (1, 4)
    assert "Challenge by ada, unranked" in page.locator("#duel-challenge").inner_text()
    _fits(page)
    screenshot(page, "challenge-2-duel")

    # Both competitors list it; the dark theme keeps the form readable.
    dark = browser.new_context(viewport=page.viewport_size, color_scheme="dark")
    try:
        _log_in(dark, live_server, ada)
        night = dark.new_page()
        night.screenshot_name = page.screenshot_name  # type: ignore[attr-defined]
        night.goto(f"{live_server.url}/games/tic-tac-toe/competitors/rival/")
        assert "ada" in night.locator("table.record-challenges").inner_text()
        _fits(night)
        # A dark field with light text: readable.
        background, text = night.evaluate(
            "(s => [s.backgroundColor, s.color])"
            "(getComputedStyle(document.querySelector('.challenge-form select')))"
        )
        assert _brightness(background) < 100 < _brightness(text), (background, text)
        screenshot(night, "challenge-3-dark")
    finally:
        dark.close()
    assert errors == []
