"""Each static/render.js draws real states and, in its interactive mode, turns clicks into
exactly the actions it is given (run under node with a fake DOM)."""

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


def _render(slug: str, states: list[Any], mode: str = "draw") -> list[dict[str, Any]]:
    script = environments.info(slug).static_dir / "render.js"
    result = subprocess.run(
        [NODE, str(HARNESS), str(script), slug, mode],
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
        assert "arena-hit" not in drawing["classes"], "no buttons without the interactive mode"


def _explore(slug: str, positions: list[tuple[list[Any], list[int]]]) -> list[dict[str, Any]]:
    cases = [{"state": state, "actions": actions} for state, actions in positions]
    return _render(slug, cases, mode="input")


def _positions(slug: str, count: int) -> list[tuple[list[Any], list[int]]]:
    """The start and ``count`` positions of a seeded random game, with their legal actions."""
    rng = random.Random(slug)
    game = environments.new_game(slug)
    positions = [(game.state(), list(game.legal_actions()))]
    while not game.done and len(positions) <= count:
        game.play(rng.choice(game.legal_actions()))
        if not game.done:
            positions.append((game.state(), list(game.legal_actions())))
    return positions


@pytest.mark.parametrize("slug", environments.slugs())
def test_clicks_play_exactly_the_legal_actions(slug: str) -> None:
    positions = _positions(slug, 4)
    for (_state, legal), found in zip(positions, _explore(slug, positions), strict=True):
        assert found["problems"] == []
        assert sorted(int(action) for action in found["reached"]) == legal
        for button in found["buttons"]:
            # Reachable without a mouse, and named for a screen reader.
            assert button["role"] == "button" and button["tabindex"] == "0"
            assert button["label"].strip()
            assert button["action"] is None or button["action"] in legal


@pytest.mark.parametrize("slug", environments.slugs())
def test_clicks_offer_only_the_actions_given(slug: str) -> None:
    # The page hands over the legal actions; the renderer must not apply rules of its own.
    state, legal = _positions(slug, 1)[-1]
    some = legal[::3]
    (found,) = _explore(slug, [(state, some)])
    assert sorted(int(action) for action in found["reached"]) == some
    (nothing,) = _explore(slug, [(state, [])])
    assert nothing["reached"] == {} and nothing["buttons"] == []


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


def test_tic_tac_toe_and_connect_four_take_one_click() -> None:
    for slug in ("tic-tac-toe", "connect-four"):
        (found,) = _explore(slug, _positions(slug, 0))
        assert all(len(path) == 1 for path in found["reached"].values())
    (found,) = _explore("connect-four", _positions("connect-four", 0))
    assert found["reached"]["3"] == ["Column 4"]


def test_quarto_takes_the_square_then_the_piece_given() -> None:
    (found,) = _explore("quarto", _positions("quarto", 0))
    assert len(found["reached"]) == 16 * 15
    assert found["reached"][str(16 * 5 + 3)] == [
        "Square row 2, column 2",
        "Give piece 3: tall, dark, round, solid",
    ]
    first_clicks = [button for button in found["buttons"] if button["depth"] == 0]
    assert len(first_clicks) == 16 and all(b["action"] is None for b in first_clicks)
    assert any("piece you give" in hint for hint in found["hints"])
