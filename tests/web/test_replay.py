"""The match replay page and the match JSON download."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

import environments
from core.games import load_games
from core.models import Duel, Environment
from tests.environments.test_env_notation import NIM
from tests.people import client_for
from tests.web.test_duels import make_duel, play

pytestmark = pytest.mark.django_db

WEB_STATIC = Path(settings.BASE_DIR) / "web" / "static" / "web"
# The counters of a duel record, for a record made by hand.
RESULT_FIELDS = {
    "error_msg": None,
    "player_1_wins": 1, "player_2_wins": 0, "draws": 0, "player_1_errors": 0,
    "player_2_errors": 0, "other_errors": 0, "player_1_score": 1, "player_2_score": -1,
}  # fmt: skip


@pytest.fixture(scope="module")
def record() -> dict:
    return play()


@pytest.fixture(scope="module")
def failing_record() -> dict:
    return play("hostile/exception_in_step", 4)


def replay_page(client, duel: Duel, number: int) -> str:
    response = client.get(reverse("replay", args=[duel.pk, number]))
    assert response.status_code == 200
    return response.content.decode()


def embedded_data(page: str) -> dict:
    found = re.search(r'<script id="match-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the match data is not embedded"
    return json.loads(found.group(1))


def test_it_embeds_every_state_of_the_match(record, anonymous):
    duel = make_duel(record)
    for number, match in enumerate(record["matches"], start=1):
        data = embedded_data(replay_page(anonymous, duel, number))
        assert data["states"] == match["states"]
        assert data["game"] == "tic-tac-toe"
        assert data["first_player"] == match["first_player"]
        assert len(data["steps"]) == len(match["states"])


def test_it_draws_with_the_games_renderer_and_its_controls(record, anonymous):
    duel = make_duel(record)
    page = replay_page(anonymous, duel, 1)
    assert "/static/games/tic-tac-toe/render.js" in page
    assert "/static/games/tic-tac-toe/style.css" in page
    assert "/static/web/replay.js" in page and "/static/web/replay.css" in page
    for control in ("first", "back", "play", "forward", "last", "slider", "speed"):
        assert f'id="{control}"' in page
    assert '<option value="0.5">' in page and '<option value="4">' in page


@pytest.mark.parametrize("slug", environments.slugs())
def test_every_games_renderer_is_served(slug):
    assert finders.find(f"games/{slug}/render.js"), f"no renderer for {slug}"
    assert finders.find(f"games/{slug}/style.css"), f"no renderer style for {slug}"


def _cell_played(before: list, after: list) -> str:
    cell = next(i for i in range(9) if before[i] == 0 and after[i] != 0)
    return "abc"[cell % 3] + str(cell // 3 + 1)


def test_each_step_says_the_move_in_words_and_the_end_its_reward(record, anonymous):
    duel = make_duel(record)
    # Match 2: player 2 (random-bot) starts, so it plays X; then they alternate.
    match = record["matches"][1]
    assert match["first_player"] == "PLAYER_2"
    page = replay_page(anonymous, duel, 2)
    states = match["states"]
    last = len(states) - 1
    data = embedded_data(page)
    for step in range(1, last + 1):
        line = page.split(f'<li id="line-{step}"')[1].split("</li>")[0]
        mark, name, side = ("X", "random-bot", 2) if step % 2 == 1 else ("O", "minimax", 1)
        words = f"{mark}: {_cell_played(states[step - 1], states[step])}"
        assert f'<span class="move-text">{words}</span>' in line
        assert f'class="muted move-who">{name} v1<' in line
        assert f'class="p{side}"' in line
        assert f'href="#step-{step}"' in line
        assert data["steps"][step]["text"] == words
    mover = data["steps"][last]["side"]
    assert data["steps"][last]["reward"] == match[f"player_{mover}_score"]
    assert all(step["reward"] == 0 for step in data["steps"][1:last])
    assert f"{match['player_1_score']} : {match['player_2_score']}" in page


def test_the_legend_ties_each_player_to_the_marks_of_this_match(record, anonymous):
    duel = make_duel(record)
    for number, first in ((1, ("minimax", "random-bot")), (2, ("random-bot", "minimax"))):
        page = replay_page(anonymous, duel, number)
        legend = page.split('<ul class="move-legend"')[1].split("</ul>")[0]
        x, o = legend.split("</li>")[:2]
        # The renderer's words (its captions say "X wins"), drawn by moves.js in data-mark.
        assert 'data-mark="0"' in x and "<strong>X</strong>" in x and first[0] in x
        assert 'data-mark="1"' in o and "<strong>O</strong>" in o and first[1] in o
        assert "moves first" in x and "moves second" in o
    assert "/static/web/moves.js" in page and 'id="notation-help"' in page


def test_a_game_without_notation_says_the_action(anonymous, django_db_blocker):
    environments.register_folder(NIM)
    try:
        with django_db_blocker.unblock():
            load_games()
        game = environments.new_game("nim")
        game.reset()
        states = [game.state()]
        while not game.done:
            game.play(game.legal_actions()[0])
            states.append(game.state())
        match = {
            "result": "PLAYER_1_WIN" if len(states) % 2 == 0 else "PLAYER_2_WIN",
            "error_msg": None,
            "player_1_score": 1,
            "player_2_score": -1,
            "first_player": "PLAYER_1",
            "states": states,
        }
        record = {**copy.deepcopy(RESULT_FIELDS), "matches": [match], "result": match["result"]}
        duel = make_duel(record, environment=Environment.objects.get(slug="nim"))
        page = replay_page(anonymous, duel, 1)
    finally:
        environments.unregister_folder(NIM)
    # Nim names its marks (info.yml) but has no notation: the mark and the action number.
    assert re.findall(r"move-text\">([^<]*)<", page)[:2] == [
        "First: played action 1",
        "Second: played action 1",
    ]
    assert "<strong>First</strong>" in page


def test_it_links_the_previous_and_next_matches_and_the_duel(record, anonymous):
    duel = make_duel(record)
    first = replay_page(anonymous, duel, 1)
    assert reverse("replay", args=[duel.pk, 2]) in first
    assert reverse("replay", args=[duel.pk, 0]) not in first
    middle = replay_page(anonymous, duel, 5)
    assert reverse("replay", args=[duel.pk, 4]) in middle
    assert reverse("replay", args=[duel.pk, 6]) in middle
    last = replay_page(anonymous, duel, 10)
    assert reverse("replay", args=[duel.pk, 9]) in last
    assert reverse("replay", args=[duel.pk, 11]) not in last
    assert f'href="{reverse("duel", args=[duel.pk])}#match-10"' in last
    assert reverse("match-json", args=[duel.pk, 10]) in last


def test_an_unknown_match_is_404(record, anonymous):
    duel = make_duel(record)
    for number in (0, 11, 1000):
        assert anonymous.get(reverse("replay", args=[duel.pk, number])).status_code == 404
        assert anonymous.get(reverse("match-json", args=[duel.pk, number])).status_code == 404
    assert anonymous.get(reverse("replay", args=[999999, 1])).status_code == 404


@pytest.mark.parametrize("state", [Duel.SCHEDULED, Duel.RUNNING])
def test_a_duel_without_a_record_says_the_replay_comes_when_it_ends(state, anonymous):
    duel = make_duel(None, state=state, matches_done=4 if state == Duel.RUNNING else 0)
    response = anonymous.get(reverse("replay", args=[duel.pk, 2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The replay is available when the duel ends" in page
    assert "match-data" not in page
    assert anonymous.get(reverse("match-json", args=[duel.pk, 2])).status_code == 404
    assert anonymous.get(reverse("replay", args=[duel.pk, 11])).status_code == 404


def test_the_match_json_is_a_download_of_the_record(record, anonymous):
    duel = make_duel(record)
    response = anonymous.get(reverse("match-json", args=[duel.pk, 3]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="tic-tac-toe-duel-{duel.pk}-match-3.json"'
    )
    assert response.json() == {
        "environment": "tic-tac-toe",
        "rules_version": 1,
        "duel": duel.pk,
        "number": 3,
        "player_1": {"competitor": "minimax", "version": 1},
        "player_2": {"competitor": "random-bot", "version": 1},
        **record["matches"][2],
    }


def test_quoted_logs_in_a_match_error_follow_the_log_rules(failing_record, owner, anonymous):
    # Player 1 is the owner's private competitor; make it the failing one.
    swapped = copy.deepcopy(failing_record)
    for match in swapped["matches"]:
        match["error_msg"] = match["error_msg"].replace("player 2", "player 1")
    duel = make_duel(swapped, owner=owner)
    stranger_json = anonymous.get(reverse("match-json", args=[duel.pk, 1])).json()
    assert "Traceback" not in stranger_json["error_msg"]
    assert stranger_json["error_msg"].startswith("player 1 raised ValueError")
    assert "Traceback" not in replay_page(anonymous, duel, 1)
    assert "Traceback" in replay_page(client_for(owner), duel, 1)


def test_a_match_error_with_html_is_escaped(record, anonymous):
    hostile = copy.deepcopy(record)
    hostile["matches"][0]["error_msg"] = "player 1 printed <script>alert(1)</script>"
    duel = make_duel(hostile)
    page = replay_page(anonymous, duel, 1)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("script", ["replay.js", "duel.js", "live.js", "moves.js"])
def test_the_page_scripts_are_valid_javascript(script):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    checked = subprocess.run(
        [node, "--check", str(WEB_STATIC / script)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
