"""A fourth game that exists only in the tests (tests/fixtures/games/nim/: environment.py,
info.yml, static/) passes every generic test of the games and of their renderers once its
folder is registered, with no code outside that folder."""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import environments
from environments import GameInfoError
from tests.environments import test_env_generic, test_env_registry, test_env_render

NIM = Path(__file__).resolve().parents[1] / "fixtures" / "games" / "nim"


@pytest.fixture
def nim() -> Iterator[str]:
    environments.register_folder(NIM)
    yield "nim"
    environments.unregister_folder(NIM)


# Tests taking a slug that check the figures of the three shipped games, not a property.
SHIPPED_ONLY = {"test_info_matches_games_md"}


def _per_game_tests(*modules: object) -> list[tuple[str, Callable[[str], None]]]:
    """The tests that take one game's slug, from the modules parametrized over slugs()."""
    found = []
    for module in modules:
        for name, test in inspect.getmembers(module, inspect.isfunction):
            if name in SHIPPED_ONLY or not name.startswith("test_"):
                continue
            if list(inspect.signature(test).parameters) == ["slug"]:
                found.append((f"{module.__name__.rsplit('.', 1)[-1]}.{name}", test))
    return found


GENERIC = _per_game_tests(test_env_generic, test_env_registry)
RENDER = _per_game_tests(test_env_render)


def test_the_registry_takes_a_folder_from_elsewhere(nim: str) -> None:
    assert nim in environments.slugs()
    assert {"tic-tac-toe", "connect-four", "quarto"} < set(environments.slugs())
    info = environments.info(nim)
    assert info.static_dir == NIM / "static"
    assert info.play.marks == ("First", "Second")
    assert environments.register_folder(NIM) is info, "registering again changes nothing"
    game = environments.new_game(nim)
    assert game.legal_actions() == (1, 2, 3)
    env = environments.load(nim)
    state, valid = env.reset()
    assert state.tolist() == [7, 1] and valid.tolist() == [1, 2, 3]


def test_a_taken_slug_is_refused(tmp_path: Path) -> None:
    twin = tmp_path / "quarto"
    shutil.copytree(NIM, twin)
    text = (twin / "info.yml").read_text(encoding="utf-8")
    (twin / "info.yml").write_text(text.replace("slug: nim", "slug: quarto"), encoding="utf-8")
    with pytest.raises(GameInfoError, match="already known"):
        environments.register_folder(twin)
    assert environments.slugs().count("quarto") == 1


def test_unregistering_forgets_it() -> None:
    before = environments.slugs()
    environments.register_folder(NIM)
    environments.unregister_folder(NIM)
    assert environments.slugs() == before and "nim" not in before
    with pytest.raises(environments.UnknownEnvironmentError):
        environments.new_game("nim")


@pytest.mark.parametrize(("name", "test"), GENERIC, ids=[name for name, _ in GENERIC])
def test_the_generic_tests_pass_for_it(nim: str, name: str, test: Callable[[str], None]) -> None:
    test(nim)


@pytest.mark.skipif(test_env_render.NODE is None, reason="node is not installed")
@pytest.mark.parametrize(("name", "test"), RENDER, ids=[name for name, _ in RENDER])
def test_the_renderer_tests_pass_for_it(nim: str, name: str, test: Callable[[str], None]) -> None:
    test(nim)
