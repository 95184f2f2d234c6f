"""A human plays a whole tic-tac-toe match against the example minimax player, in a real
browser (Playwright driving Chromium), through a real Celery worker holding the agent's
Docker sandbox; then plays again, leaves, and downloads the human matches as the owner.

Screenshots of each step land in var/screenshots/ (laptop and phone sizes) to be looked at."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from core.models import HumanMatch
from tests.browser.plugin import screenshot
from tests.conftest import wait_for
from tests.platform import factories
from tests.play.conftest import validated_minimax

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def _wait_for_my_turn(page, match: HumanMatch) -> None:
    page.wait_for_selector(
        "#play-status[data-turn=human], #play-status[data-state=FINISHED], "
        "#play-status[data-state=ABANDONED]",
        timeout=60_000,
    )
    if page.locator("#play-status").get_attribute("data-turn") != "human":
        match.refresh_from_db()
        pytest.fail(f"the match ended early: {match.state} {match.result} {match.error_msg}")


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


def test_a_human_plays_a_whole_match_against_minimax_in_the_browser(
    page, live_server, play_worker, docker_client, no_leftover_agent_containers
):
    play_worker()
    owner = factories.user("ada")
    revision = validated_minimax(owned_by=owner)
    _log_in(page, live_server, owner)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/minimax/")
    page.get_by_role("link", name="Play against v1").click()
    page.wait_for_url(re.compile(r"/revisions/1/play/$"))
    screenshot(page, "play-01-who-starts")
    page.check("input[name=first][value=human]")
    page.click("#start-match")
    page.wait_for_url(re.compile(r"/play/\d+/$"))
    match = HumanMatch.objects.get()

    status = page.locator("#play-status")
    moves = 0
    while True:
        page.wait_for_selector(
            "#play-status[data-turn=human], #play-status[data-state=FINISHED]", timeout=60_000
        )
        if status.get_attribute("data-state") == "FINISHED":
            break
        assert "Your turn" in status.inner_text() and "You play X" in status.inner_text()
        if moves == 1:
            screenshot(page, "play-02-your-turn")
        # The first empty cell: minimax punishes such a human.
        page.locator("#board rect.arena-hit").first.click()
        moves += 1
    screenshot(page, "play-03-result")
    result = page.locator("#play-result").inner_text()
    match.refresh_from_db()
    assert match.state == HumanMatch.FINISHED, match.error_msg
    assert match.result in (HumanMatch.AGENT_WIN, HumanMatch.DRAW)
    assert result == {"AGENT_WIN": "The agent won.", "DRAW": "Draw."}[match.result]
    assert len(match.actions) == len(match.states) - 1 >= 5
    assert moves == len(match.actions[0::2])

    # Play again, same side; the agent's sandbox of the first match is already released.
    page.click("#play-again")
    page.wait_for_url(re.compile(rf"/play/(?!{match.pk}/)\d+/$"))
    page.wait_for_selector("#play-status[data-turn=human]", timeout=60_000)
    screenshot(page, "play-04-again")
    again = HumanMatch.objects.exclude(pk=match.pk).get()
    page.get_by_role("button", name="Leave the match").click()
    page.wait_for_url(re.compile(r"/competitors/minimax/$"))
    wait_for(
        lambda: again.refresh_from_db() or again.state == HumanMatch.ABANDONED,
        30,
        message="leaving the match",
    )

    # The owner's data set: both matches, one JSON object a line.
    link = page.get_by_role("link", name=re.compile("Human matches against it"))
    screenshot(page, "play-05-competitor")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok
    lines = [json.loads(line) for line in response.text().splitlines()]
    assert [(m["id"], m["state"]) for m in lines] == [
        (match.pk, "FINISHED"),
        (again.pk, "ABANDONED"),
    ]
    assert lines[0]["actions"] == match.actions and lines[0]["first_player"] == "HUMAN"
    assert errors == [], errors
    assert revision.human_matches.count() == 2


@pytest.mark.parametrize("game", ["connect-four", "quarto"])
def test_connect_four_columns_and_quarto_square_then_piece_are_clicked(
    game, page, live_server, play_worker, docker_client, no_leftover_agent_containers
):
    play_worker()
    revision = validated_minimax(game)
    player = factories.user("grace")
    _log_in(page, live_server, player)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/games/{game}/competitors/minimax/revisions/1/play/")
    page.check("input[name=first][value=agent]")
    page.click("#start-match")
    page.wait_for_url(re.compile(r"/play/\d+/$"))
    match = HumanMatch.objects.get()
    expected = []
    for move in range(2):
        _wait_for_my_turn(page, match)
        assert "Your turn" in page.locator("#play-status").inner_text()
        if game == "connect-four":
            column = page.locator("#board rect.arena-hit").nth(3)
            expected.append(int(column.get_attribute("data-action")))
            column.click()
        else:
            square = page.locator("#board rect.arena-hit[data-square]").first
            chosen = int(square.get_attribute("data-square"))
            square.click()
            hint = page.locator("#play-hint")
            hint.wait_for()
            assert "piece you give" in hint.inner_text()
            if move == 0:
                screenshot(page, f"play-{game}-choose-piece")
            piece = page.locator("#board rect.arena-hit[data-piece]").last
            assert int(piece.get_attribute("data-action")) // 16 == chosen
            expected.append(int(piece.get_attribute("data-action")))
            piece.click()
        page.wait_for_selector("#play-status:not([data-turn=sending])")
    # Minimax may already win with its third move (Quarto: the fifth piece), else it is our turn.
    page.wait_for_selector(
        "#play-status[data-turn=human], #play-status[data-state=FINISHED]", timeout=60_000
    )
    screenshot(page, f"play-{game}-after-two-moves")
    match.refresh_from_db()
    assert match.actions[1::2] == expected  # the agent started: the human's are the odd ones
    if match.state == HumanMatch.RUNNING:
        page.get_by_role("button", name="Leave the match").click()
        wait_for(
            lambda: match.refresh_from_db() or match.state == HumanMatch.ABANDONED,
            30,
            message="leaving the match",
        )
    else:
        assert match.result == HumanMatch.AGENT_WIN
        page.locator("#play-result").filter(has_text="The agent won.").wait_for()
    assert errors == [], errors
    assert revision.human_matches.count() == 1
