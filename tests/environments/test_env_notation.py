"""Moves in words: each game's notation.py on the golden trajectories, the actions found
back from a record's states, the fallback of a game without notation (the tests' nim), and
each render.js saying exactly the same words as its notation.py (under node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import environments
from environments.notation import actions_between, describe_move, move_texts, notation_function

NODE = shutil.which("node") or shutil.which("nodejs")
HARNESS = Path(__file__).with_name("notation_harness.js")
SHIPPED = ("tic-tac-toe", "connect-four", "quarto")
NIM = Path(__file__).resolve().parents[1] / "fixtures" / "games" / "nim"


@pytest.fixture
def nim() -> Iterator[str]:
    environments.register_folder(NIM)
    yield "nim"
    environments.unregister_folder(NIM)


def _trajectories(golden: Any, slug: str, count: int) -> list[tuple[list[Any], list[int]]]:
    """(states, actions) of the first ``count`` golden games."""
    result = []
    for game in golden(slug)["games"][:count]:
        states = [game["initial_state"]] + [step["state"] for step in game["steps"]]
        result.append((states, [step["action"] for step in game["steps"]]))
    return result


def test_notation_words_of_each_game() -> None:
    start = {slug: environments.new_game(slug).state() for slug in SHIPPED}
    assert describe_move("tic-tac-toe", start["tic-tac-toe"], 0) == "a1"
    assert describe_move("tic-tac-toe", start["tic-tac-toe"], 4) == "b2"
    assert describe_move("tic-tac-toe", start["tic-tac-toe"], 8) == "c3"
    assert describe_move("connect-four", start["connect-four"], 3) == "column 4"
    # Quarto: entry 16 (piece 15 at the start) is placed; 16 * 9 + 12 = square b3, give 12.
    assert describe_move("quarto", start["quarto"], 16 * 9 + 12) == (
        "places piece 15 (tall dark square hollow) on b3 and gives piece 12"
    )


@pytest.mark.parametrize("slug", SHIPPED)
def test_actions_found_back_from_golden_states(golden: Any, slug: str) -> None:
    for states, actions in _trajectories(golden, slug, 40):
        assert actions_between(slug, states) == actions
        texts = move_texts(slug, states)
        assert len(texts) == len(actions)
        assert "moved" not in texts


def test_states_of_other_rules_say_moved() -> None:
    game = environments.new_game("tic-tac-toe")
    game.reset()
    states = [game.state()]
    game.play(4)
    states.append(game.state())
    states.append([9.0] * 10)  # no legal move leads there
    assert move_texts("tic-tac-toe", states) == ["b2", "moved"]


def test_a_game_without_notation_falls_back(nim: Any) -> None:
    assert notation_function("nim") is None
    game = environments.new_game("nim")
    game.reset()
    states = [game.state()]
    action = game.legal_actions()[-1]
    game.play(action)
    states.append(game.state())
    assert move_texts("nim", states) == [f"played action {action}"]


def _node_notation(slug: str, cases: list[list[Any]]) -> dict[str, Any]:
    assert NODE is not None
    script = environments.info(slug).static_dir / "render.js"
    result = subprocess.run(
        [NODE, str(HARNESS), str(script), slug],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("slug", SHIPPED)
def test_render_js_says_what_notation_py_says(golden: Any, slug: str) -> None:
    cases = [
        [before, action]
        for states, actions in _trajectories(golden, slug, 30)
        for before, action in zip(states, actions, strict=False)
    ]
    said = _node_notation(slug, cases)
    assert said["texts"] == [describe_move(slug, state, action) for state, action in cases]
    assert said["help"], "the page explains the names of cells and squares"
    marks = environments.info(slug).play.marks
    # The legend's words are the play page's (info.yml) and the renderer's own captions.
    assert said["marks"] == (list(marks) if marks else None)
    if marks:
        assert said["mark"] == ["svg", "svg"]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_render_js_without_notation(nim: Any) -> None:
    said = _node_notation("nim", [[[3, 1], 1]])
    assert said["texts"] is None and said["marks"] is None


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("slug", [slug for slug in SHIPPED if environments.info(slug).play.marks])
def test_the_board_captions_use_the_legends_words(golden: Any, slug: str) -> None:
    from tests.environments.test_env_render import _render

    marks = environments.info(slug).play.marks
    assert marks is not None
    states = [s for states, _ in _trajectories(golden, slug, 20) for s in states[-3:]]
    allowed = {"Draw", *(f"{mark} wins" for mark in marks), *(f"{m} to move" for m in marks)}
    captions = [drawing["texts"][-1] for drawing in _render(slug, states)]
    assert set(captions) <= allowed
    assert any(caption.endswith(" wins") for caption in captions)
