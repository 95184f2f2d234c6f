"""Every page finished, in Chromium at laptop and phone widths: the home page with live duels,
recent results and linked leaders; the 404 page with the site's navigation; the account pages;
wide tables on a phone that scroll in their card (with a cue) instead of widening the page;
and the dark theme, which follows the system setting.

No worker is needed: the arena's rows are made as its stages make them (an edition scheduled,
its duels given results and ranked by the duel-finished hooks). Screenshots go to
var/screenshots/ to be looked at.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from core import pipeline
from core.models import Duel, Environment, Tournament
from tests.browser.plugin import screenshot
from tests.platform import factories
from tests.web.test_duels import make_duel, play
from tournament_manager.services import schedule_tournament

pytestmark = [pytest.mark.browser]

NAMES = [
    ("minimax-pro", "ada"),
    ("alpha-lite", "grace"),
    ("greedy-center", "alan"),
    ("mcts-1k", "ada"),
    ("lookahead-2", "edsger"),
    ("blocker", "barbara"),
    ("random-walker", "ken"),
]


def _arena() -> Tournament:
    """A tic-tac-toe edition of seven, all duels played but one, which is being played now."""
    owners: dict[str, object] = {}
    for name, owner in NAMES:
        if owner not in owners:
            owners[owner] = factories.user(owner)
        factories.valid_revision(factories.competitor(name=name, owner=owners[owner]))
    # Never validated: on the competitor lists, never counted as ranked.
    factories.valid_revision(factories.competitor(name="broken"), test_state="TEST_FAILED")
    edition = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    assert edition is not None
    strength = {name: len(NAMES) - n for n, (name, _) in enumerate(NAMES)}
    duels = list(edition.duels.select_related("revision_1__competitor", "revision_2__competitor"))
    now = timezone.now()
    for n, duel in enumerate(duels):
        if n == len(duels) - 1:
            Duel.objects.filter(pk=duel.pk).update(
                state=Duel.RUNNING, started=now, matches_done=7, num_matches=20
            )
            continue
        one = strength[duel.revision_1.competitor.name]
        two = strength[duel.revision_2.competitor.name]
        wins = (12, 5) if one > two else (5, 12)
        if abs(one - two) == 1 and n % 2:
            wins, result = (8, 8), "DRAW"
        else:
            result = "PLAYER_1_WIN" if wins[0] > wins[1] else "PLAYER_2_WIN"
        Duel.objects.filter(pk=duel.pk).update(
            state=Duel.COMPLETED,
            result=result,
            num_matches=20,
            matches_done=20,
            player_1_wins=wins[0],
            player_2_wins=wins[1],
            draws=20 - sum(wins),
            player_1_score=wins[0] - wins[1],
            player_2_score=wins[1] - wins[0],
            started=now - timezone.timedelta(minutes=n + 1),
            finished=now - timezone.timedelta(seconds=30 * (len(duels) - n)),
        )
        duel.refresh_from_db()
        with transaction.atomic():  # as core.work.finish runs the hooks
            pipeline.duel_finished(duel)
    edition.refresh_from_db()
    return edition


def _no_sideways_page_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the page is {width}px wide"


def test_pages_are_finished_at_both_widths_light_and_dark(browser, page, live_server):
    edition = _arena()
    replayed = make_duel(play(num_matches=2), public_1=True, names=("replay-one", "replay-two"))
    phone = page.viewport_size["width"] < 600
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Home: the leader links to its page, a live duel and the latest results are listed.
    page.goto(live_server.url)
    card = page.locator("[data-game=tic-tac-toe]")
    assert "7 ranked competitors" in card.inner_text()
    assert card.get_by_role("link", name="minimax-pro").count() == 1
    assert page.locator("#live-duels a[href$='/live/']").count() == 1
    assert page.locator("#recent-duels li").count() == 6
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
    _no_sideways_page_scroll(page)
    screenshot(page, "pages-01-home")

    # A missing page: the site's, with its navigation, as wide as the phone.
    response = page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/nobody/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="There is nothing at this address").is_visible()
    assert page.locator(".topbar").get_by_role("link", name="Log in").is_visible()
    _no_sideways_page_scroll(page)
    screenshot(page, "pages-02-404")
    page.get_by_role("link", name="See the games").click()
    page.wait_for_url(f"{live_server.url}/")

    # The account pages: a centred card, an error under its field, links between them.
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "ada@example.com")
    page.fill("input[name=password]", "not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".messages li.error").is_visible()
    _no_sideways_page_scroll(page)
    screenshot(page, "pages-03-login")
    page.get_by_role("link", name="Create an account").click()
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password1]", "a long passphrase 42")
    page.fill("input[name=password2]", "a long passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    assert page.locator(".has-error .errorlist").first.is_visible()
    _no_sideways_page_scroll(page)
    screenshot(page, "pages-04-signup")

    # Wide tables: they scroll inside their card, never the page; on a phone a cue says so.
    for address, name in (
        (f"/games/tic-tac-toe/editions/{edition.edition}/", "pages-05-grid"),
        ("/games/tic-tac-toe/", "pages-06-game-leaderboard"),
    ):
        page.goto(live_server.url + address)
        frame = page.locator(".table-frame").first
        frame.wait_for()
        _no_sideways_page_scroll(page)
        hint = page.locator(".scroll-hint").first
        if phone:
            assert "scrolls" in (frame.get_attribute("class") or "")
            assert hint.is_visible() and "scroll" in hint.inner_text()
            assert "more-right" in (frame.get_attribute("class") or "")
        screenshot(page, name)
    # A duel's counters and match list: inside the phone's width too.
    page.goto(f"{live_server.url}/duels/{replayed.pk}/")
    page.locator(".table-frame").first.wait_for()
    _no_sideways_page_scroll(page)
    screenshot(page, "pages-06-duel")
    # Scrolled to its end, the fading edge goes; the grid's names stay in view.
    page.goto(f"{live_server.url}/games/tic-tac-toe/editions/{edition.edition}/")
    wrap = page.locator(".table-frame .table-wrap").first
    wrap.evaluate("wrap => wrap.scrollLeft = 10000")
    page.wait_for_function(
        "!document.querySelector('.table-frame').classList.contains('more-right')"
    )
    first_column = page.locator("table.matrix tbody tr td, table.matrix tbody tr th").first
    box, edge = first_column.bounding_box(), wrap.bounding_box()
    assert box is not None and edge is not None
    assert box["x"] - edge["x"] < 2, (box, edge)  # sticky: still at the table's left edge
    screenshot(page, "pages-07-grid-scrolled")

    # The dark theme, as the system asks for it.
    dark = browser.new_context(viewport=page.viewport_size, color_scheme="dark")
    try:
        night = dark.new_page()
        night.screenshot_name = page.screenshot_name  # type: ignore[attr-defined]
        night.goto(live_server.url)
        background = night.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 19, 28)", background
        screenshot(night, "pages-08-home-dark")
        night.goto(f"{live_server.url}/games/tic-tac-toe/")
        ink = night.evaluate("getComputedStyle(document.querySelector('td')).color")
        assert ink == "rgb(228, 232, 243)", ink
        screenshot(night, "pages-09-leaderboard-dark")
        night.goto(f"{live_server.url}/games/tic-tac-toe/editions/{edition.edition}/")
        screenshot(night, "pages-10-grid-dark")
        night.goto(f"{live_server.url}/nowhere/")
        screenshot(night, "pages-11-404-dark")
        night.goto(f"{live_server.url}/signup/")
        night.fill("input[name=email]", "ada@example.com")  # taken: its error shows
        night.fill("input[name=username]", "ada")
        night.fill("input[name=password1]", "a long passphrase 42")
        night.fill("input[name=password2]", "a long passphrase 42")
        night.get_by_role("button", name="Sign up").click()
        night.locator(".has-error .errorlist").first.wait_for()
        field = night.evaluate(
            "getComputedStyle(document.querySelector('input[name=username]')).backgroundColor"
        )
        assert field == "rgb(15, 19, 28)", field  # a dark field, light text: readable
        screenshot(night, "pages-13-signup-dark")
        # A game's board on the dark page: its lines and caption follow the theme.
        night.goto(f"{live_server.url}/duels/{replayed.pk}/matches/1/#step-5")
        night.locator("svg.arena-ttt").wait_for()
        grid = night.evaluate("getComputedStyle(document.querySelector('.arena-ttt-grid')).stroke")
        assert grid == "rgb(201, 209, 230)", grid
        screenshot(night, "pages-12-replay-dark")
    finally:
        dark.close()
    assert errors == [], errors
