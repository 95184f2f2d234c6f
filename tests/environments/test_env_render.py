"""Each static/render.js draws real states (run under node with a fake DOM)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import environments

NODE = shutil.which("node") or shutil.which("nodejs")
HARNESS = Path(__file__).with_name("render_harness.js")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _render(slug: str, states: list[list[Any]]) -> list[dict[str, Any]]:
    script = environments.info(slug).static_dir / "render.js"
    result = subprocess.run(
        [NODE, str(HARNESS), str(script), slug],
        input=json.dumps(states),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _final_states(slug: str, count: int) -> list[list[Any]]:
    rng = random.Random(slug)
    game = environments.new_game(slug)
    states = [game.state()]
    for _ in range(count):
        game.reset()
        while not game.done:
            game.play(rng.choice(game.legal_actions()))
            states.append(game.state())
    return states


@pytest.mark.parametrize("slug", environments.slugs())
def test_render_every_state_of_random_games(slug: str) -> None:
    states = _final_states(slug, 10)
    drawings = _render(slug, states)
    assert len(drawings) == len(states)
    for drawing in drawings:
        assert drawing["tags"].get("svg") == 1
        assert drawing["texts"], "a caption says whose turn it is or who won"


def test_tic_tac_toe_drawing() -> None:
    # X wins on the top row; O has two marks.
    state = [1.0, 1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    (drawing,) = _render("tic-tac-toe", [state])
    assert drawing["classes"]["arena-ttt-x"] == 3
    assert drawing["classes"]["arena-ttt-o"] == 2
    assert drawing["classes"]["arena-ttt-win"] == 1
    assert "X wins" in drawing["texts"]


def test_connect_four_drawing() -> None:
    game = environments.new_game("connect-four")
    for column in (0, 0, 1, 1, 2, 2, 3):
        game.play(column)
    (drawing,) = _render("connect-four", [game.state()])
    assert drawing["classes"]["arena-c4-red"] == 4
    assert drawing["classes"]["arena-c4-yellow"] == 3
    assert drawing["classes"]["arena-c4-hole"] == 42 - 7
    assert drawing["classes"]["arena-c4-win"] == 4
    assert "Red wins" in drawing["texts"]


def test_quarto_drawing() -> None:
    state = [15, 8, 9, 10] + [-1] * 12 + [0]
    start = [-1] * 16 + [15]
    win, opening = _render("quarto", [state, start])
    assert win["classes"]["arena-quarto-piece"] == 4
    assert win["classes"]["arena-quarto-win"] == 4
    assert "Quarto!" in win["texts"]
    # At the start: the piece to place plus the 15 available ones.
    assert opening["classes"]["arena-quarto-piece"] == 16
    assert "Piece 15 to place" in opening["texts"]
    assert any("piece 15: tall, dark, square, hollow" in text for text in opening["texts"])
