"""web/static/web/poll.js, the one polling loop of the pages (duel, game, revision, play): its
pace, its backoff after failures and when it stops (run under node: fake fetch, virtual clock).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

NODE = shutil.which("node") or shutil.which("nodejs")
HARNESS = Path(__file__).with_name("poll_harness.js")
WEB_STATIC = Path(settings.BASE_DIR) / "web" / "static" / "web"
PAGES = ("duel.js", "progress.js", "revision.js")
TEMPLATES = {
    "duel.js": "web/templates/web/duels/duel.html",
    "progress.js": "web/templates/web/game.html",
    "revision.js": "web/templates/web/competitors/revision.html",
    "play.js": "web/play/templates/play/match.html",
}

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

RUNNING = {"status": 200, "body": {"state": "RUNNING"}}
DONE = {"status": 200, "body": {"state": "DONE"}}


def _poll(options: dict[str, Any], answers: list[dict[str, Any]]) -> list[list[Any]]:
    scenario = {"options": {**options, "finishedWhen": "DONE"}, "answers": answers}
    result = subprocess.run(
        [NODE, str(HARNESS), str(WEB_STATIC / "poll.js")],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _waits(events: list[list[Any]]) -> list[int]:
    return [event[1] for event in events if event[0] == "wait"]


def test_it_asks_at_its_pace_until_finished():
    events = _poll({"every": 2000}, [RUNNING, RUNNING, DONE, RUNNING])
    assert events == [
        ["wait", 2000],
        ["update", {"state": "RUNNING"}],
        ["wait", 2000],
        ["update", {"state": "RUNNING"}],
        ["wait", 2000],
        ["update", {"state": "DONE"}],
        ["finish", {"state": "DONE"}],
    ]


def test_failures_back_off_up_to_the_longest_wait_then_the_pace_comes_back():
    network = {"network": True}
    server = {"status": 502, "body": None}
    answers = [network, server, network, network, network, RUNNING, DONE]
    events = _poll({"every": 1000, "delay": 0, "maxWait": 10000}, answers)
    assert _waits(events) == [0, 2000, 4000, 8000, 10000, 10000, 1000]
    errors = [event[1:] for event in events if event[0] == "error"]
    assert errors == [[1, None], [2, 502], [3, None], [4, None], [5, None]]
    assert events[-1] == ["finish", {"state": "DONE"}]


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_client_error_stops_it(status):
    events = _poll({"every": 1000}, [RUNNING, {"status": status, "body": None}, RUNNING])
    assert events == [
        ["wait", 1000],
        ["update", {"state": "RUNNING"}],
        ["wait", 1000],
        ["error", 1, status],
    ]


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_a_busy_or_failing_server_is_asked_again(status):
    events = _poll({"every": 1000}, [{"status": status, "body": None}, DONE])
    assert _waits(events) == [1000, 2000]
    assert events[-1] == ["finish", {"state": "DONE"}]


def test_now_during_a_request_asks_again_at_once_after_it():
    events = _poll({"every": 3000, "delay": 0}, [{**RUNNING, "now": True}, RUNNING, DONE])
    assert _waits(events) == [0, 0, 3000]


def test_the_pace_may_follow_the_answers():
    human = {"status": 200, "body": {"state": "RUNNING", "turn": "human"}}
    agent = {"status": 200, "body": {"state": "RUNNING", "turn": "agent"}}
    events = _poll(
        {"delay": 0, "everyByTurn": {"human": 2000, "agent": 500, "other": 500}},
        [human, agent, {"network": True}, DONE],
    )
    assert _waits(events) == [0, 2000, 500, 1000]


@pytest.mark.parametrize("script", [*PAGES, "poll.js"])
def test_the_page_scripts_are_valid_javascript(script):
    checked = subprocess.run(
        [NODE, "--check", str(WEB_STATIC / script)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("script", [*PAGES, "play.js"])
def test_the_pages_poll_through_it_and_load_it_first(script):
    folder = WEB_STATIC if script in PAGES else Path(settings.BASE_DIR) / "web/play/static/play"
    source = (folder / script).read_text(encoding="utf-8")
    assert "ArenaPoll.start(" in source
    assert "setTimeout" not in source and "setInterval" not in source, "no loop of its own"
    template = (Path(settings.BASE_DIR) / TEMPLATES[script]).read_text(encoding="utf-8")
    assert template.index("'web/poll.js'") < template.index(f"/{script}'")
