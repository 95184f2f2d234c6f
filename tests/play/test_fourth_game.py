"""The fourth game of the tests (tests/fixtures/games/nim/, registered with
environments.register_folder) on the platform, with no code outside its folder: a duel of
sandboxed and in-process players, its replay page, and a human match through the play pages,
in a real browser too (the match's agent side is played by the test: no sandbox).

The generic tests of the games and renderers run on it in tests/environments/test_fourth_game.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

import environments
from core.games import load_games
from core.models import Environment, HumanMatch
from run_duel.duel import run_duel
from run_duel.players import load_player
from run_duel.process_sandbox import ProcessPlayer
from run_duel.sandbox import Limits
from tests.browser.plugin import screenshot
from tests.conftest import EXAMPLE_PLAYERS, ROOT, wait_for
from tests.platform import factories
from tests.web.test_duels import make_duel
from tests.web.test_replay import embedded_data, replay_page

NIM = ROOT / "tests" / "fixtures" / "games" / "nim"
HOW_TO_MOVE = "Click a stone to take it and every stone to its right (three at most)."


@pytest.fixture
def nim(django_db_blocker) -> Iterator[str]:
    """The game registered and its row made, as ``manage.py load_games`` makes them."""
    environments.register_folder(NIM)
    with django_db_blocker.unblock():
        load_games()
    yield "nim"
    environments.unregister_folder(NIM)


@pytest.mark.django_db
def test_a_duel_of_it_and_its_replay_page(nim, anonymous):
    random_player = EXAMPLE_PLAYERS / "random"
    sandboxed = ProcessPlayer(random_player, "player 1", Limits.for_environment(nim))
    in_process = load_player(random_player, state_dtype="int64", label="player 2")
    try:
        record = run_duel(nim, sandboxed, in_process, 6)
    finally:
        sandboxed.close()
    assert record["player_1_errors"] == record["player_2_errors"] == record["other_errors"] == 0
    assert record["player_1_wins"] + record["player_2_wins"] == 6, "nim has no draws"
    for match in record["matches"]:
        assert match["states"][0] == [7, 1] and match["states"][-1][0] == 0

    duel = make_duel(record, environment=Environment.objects.get(slug=nim))
    page = replay_page(anonymous, duel, 2)
    assert "/static/games/nim/render.js" in page and "/static/games/nim/style.css" in page
    data = embedded_data(page)
    assert data["game"] == "nim" and data["states"] == record["matches"][1]["states"]
    assert finders.find("games/nim/render.js") == str(NIM / "static" / "render.js")
    served = anonymous.get("/static/games/nim/render.js")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == (NIM / "static" / "render.js").read_bytes()


def _move(client, match, action, ply):
    return client.post(
        reverse("play-move", args=[match.pk]),
        json.dumps({"action": action, "ply": ply}),
        content_type="application/json",
    )


@pytest.mark.django_db
def test_a_human_match_of_it_through_the_pages(nim, as_stranger, redis_broker):
    revision = factories.valid_revision(factories.competitor(nim, name="house"))
    new_url = reverse("play-new", args=[nim, "house", revision.version])
    assert HOW_TO_MOVE in as_stranger.get(new_url).content.decode()
    response = as_stranger.post(new_url, {"first": "human"})
    match = HumanMatch.objects.get()
    assert response.url == reverse("play-match", args=[match.pk])
    page = as_stranger.get(response.url).content.decode()
    for script in ("games/nim/render.js", "web/poll.js", "play/play.js"):
        assert f'<script src="/static/{script}" defer></script>' in page
    assert '"game": "nim"' in page

    # The agent's holder started (as a worker does); the human moves first.
    HumanMatch.objects.filter(pk=match.pk).update(state=HumanMatch.RUNNING, states=[[7, 1]])
    state_url = reverse("play-state", args=[match.pk])
    state = as_stranger.get(state_url).json()
    assert state["turn"] == "human" and state["valid_actions"] == [1, 2, 3]
    assert state["message"] == f"Your turn. You play First. {HOW_TO_MOVE}"
    assert "not valid" in _move(as_stranger, match, 4, 0).json()["error"]
    assert _move(as_stranger, match, 2, 0).json() == {"ok": True}

    # The holder played it and the agent's reply: the human's turn again.
    HumanMatch.objects.filter(pk=match.pk).update(
        actions=[2, 1], rewards=[0.0, 0.0], states=[[7, 1], [5, -1], [4, 1]]
    )
    state = as_stranger.get(state_url).json()
    assert (state["ply"], state["turn"], state["valid_actions"]) == (2, "human", [1, 2, 3])


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.services
def test_a_human_plays_it_in_the_browser(nim, page, live_server, redis_broker):
    player = factories.user("grace")
    revision = factories.valid_revision(factories.competitor(nim, name="house"))
    match = HumanMatch.objects.create(
        revision=revision, user=player, human_first=True, state=HumanMatch.RUNNING, states=[[7, 1]]
    )
    _log_in(page, live_server, player)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{reverse('play-match', args=[match.pk])}")
    page.wait_for_selector("#play-status[data-turn=human]")
    assert "You play First" in page.locator("#play-status").inner_text()
    assert page.locator("#board rect.arena-hit").count() == 3
    screenshot(page, "play-nim-your-turn")

    with page.expect_request(lambda request: request.method == "POST") as sent:
        page.locator('#board rect.arena-hit[aria-label="Take 2"]').click()
    assert json.loads(sent.value.post_data) == {"action": 2, "ply": 0}
    page.wait_for_selector("#play-status[data-turn=sending]")
    assert page.locator("#board rect.arena-hit").count() == 0, "no second move while sending"

    # The agent's holder applies the move and the agent replies: the page follows.
    HumanMatch.objects.filter(pk=match.pk).update(
        actions=[2, 1], rewards=[0.0, 0.0], states=[[7, 1], [5, -1], [4, 1]]
    )
    page.wait_for_selector("#play-status[data-turn=human]")
    assert page.locator("#play-ply").inner_text() == "2"
    assert page.locator("#board circle.arena-nim-stone").count() == 4

    HumanMatch.objects.filter(pk=match.pk).update(
        state=HumanMatch.FINISHED,
        result=HumanMatch.HUMAN_WIN,
        actions=[2, 1, 1, 3],
        states=[[7, 1], [5, -1], [4, 1], [3, -1], [0, -1]],
    )
    page.locator("#play-result").filter(has_text="You won!").wait_for()
    screenshot(page, "play-nim-won")
    wait_for(lambda: page.locator("#play-end").is_visible(), 10, message="the end of the match")
    assert errors == [], errors


def test_its_folder_is_all_it_has():
    # Nothing of the project names it: its rules, words and board are its folder's.
    mentions = [
        path
        for folder in ("environments", "web", "run_duel", "core", "duel_runner")
        for path in (ROOT / folder).rglob("*")
        if path.is_file()
        and path.suffix in (".py", ".js", ".html", ".css", ".yml")
        and re.search(r"\bnim\b", path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert mentions == []
    assert sorted(p.name for p in Path(NIM).iterdir() if p.name != "__pycache__") == [
        "__init__.py",
        "environment.py",
        "info.yml",
        "static",
    ]


def test_the_pages_that_draw_boards_know_no_game():
    # The shipped games are no more special to them than the fourth one.
    names = [
        *environments.slugs(),
        *(environments.info(slug).name for slug in environments.slugs()),
        "arena-ttt",
        "arena-c4",
        "arena-quarto",
    ]
    pattern = re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)
    files = [
        *(ROOT / "web" / "play" / "static").rglob("*.*"),
        *(ROOT / "web" / "play" / "templates").rglob("*.html"),
        ROOT / "web" / "play" / "views.py",
        *(ROOT / "web" / "static" / "web" / name for name in ("replay.js", "live.js", "poll.js")),
    ]
    found = {
        str(path.relative_to(ROOT)): match.group(0)
        for path in files
        if (match := pattern.search(path.read_text(encoding="utf-8")))
    }
    assert found == {}
