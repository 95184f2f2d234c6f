"""The hostile suite: every folder of example_players/hostile says in expect.yml what must
happen to it; each runs in every sandbox it names, against the random player."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from run_duel import Limits, run_duel
from tests.conftest import EXAMPLE_PLAYERS

HOSTILE = EXAMPLE_PLAYERS / "hostile"
# Control characters but tab and newline, raw or as JSON escapes (json.dumps writes NUL as
# \\u0000).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\\u00[01][0-9a-fA-F]|\\u007[fF]")


def _cases():
    for folder in sorted(p for p in HOSTILE.iterdir() if (p / "expect.yml").is_file()):
        expect = yaml.safe_load((folder / "expect.yml").read_text())
        for sandbox in expect.get("sandboxes", ["docker", "process"]):
            marks = [pytest.mark.docker] if sandbox == "docker" else []
            yield pytest.param(folder, expect, sandbox, id=f"{folder.name}-{sandbox}", marks=marks)


def _check(record: dict, log_text: str, expect: dict) -> None:
    wanted = expect["expect"]
    matches = expect.get("matches", 4)
    errors = record["player_1_errors"]
    first = next((m["error_msg"] for m in record["matches"] if m["result"] == "PLAYER_1_ERROR"), "")
    assert record["other_errors"] == 0, record["error_msg"]
    assert record["player_2_errors"] == 0, record["error_msg"]
    assert len(record["matches"]) == matches
    if wanted["errors"] == "all":
        assert errors == matches, first
    elif wanted["errors"] == "some":
        assert errors > 0, "the hostile player got away with it"
    else:
        assert errors == 0, first
    if "message" in wanted:
        assert wanted["message"].lower() in first.lower()
    if "any_message" in wanted:
        messages = [m["error_msg"] or "" for m in record["matches"]]
        assert any(wanted["any_message"].lower() in m.lower() for m in messages), first
    if "log" in wanted:
        assert wanted["log"].lower() in log_text.lower()
    encoded = json.dumps(record)
    if "max_record_bytes" in wanted:
        assert len(encoded) < wanted["max_record_bytes"], f"{len(encoded):,} bytes"
    # Whatever the player wrote, nothing that PostgreSQL or a terminal would choke on is kept.
    assert not CONTROL.search(encoded)
    assert not CONTROL.search(log_text)


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is the player's folder (the harness sets it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder.resolve():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize(("folder", "expect", "sandbox"), list(_cases()))
def test_hostile_player(folder, expect, sandbox, request):
    environment = expect.get("environment", "tic-tac-toe")
    limits = Limits.for_environment(environment, **expect.get("limits", {}))
    opponent_folder = EXAMPLE_PLAYERS / "random"
    if sandbox == "process":
        from run_duel.process_sandbox import ProcessPlayer

        hostile = ProcessPlayer(folder, "player 1", limits)
        opponent = ProcessPlayer(opponent_folder, "player 2", limits)
    else:
        from run_duel.docker_sandbox import DockerPlayer

        request.getfixturevalue("no_leftover_containers")
        build = request.getfixturevalue("player_image")
        hostile = DockerPlayer(build(folder), "player 1", limits)
        opponent = DockerPlayer(build(opponent_folder), "player 2", limits)
    with hostile, opponent:
        record = run_duel(environment, hostile, opponent, expect.get("matches", 4))
    _check(record, hostile.log.text(), expect)
    if sandbox == "process":
        assert _processes_in(folder) == [], "the player's processes outlived the duel"
    if folder.name == "huge_stderr":
        assert hostile.log.total > 20 * 1024 * 1024
        assert len(hostile.log.text()) < 256 * 1024  # capped: head and tail only
