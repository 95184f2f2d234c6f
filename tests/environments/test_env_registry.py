"""The registry, GameInfo/info.yml validation and the error classes."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest

import environments
from environments import (
    GameInfo,
    GameInfoError,
    InvalidActionError,
    UnknownEnvironmentError,
    registry,
)
from environments.info import PlayInfo, load_info, parse_memory

SLUGS = environments.slugs()
EXPECTED = {
    # slug: (num_matches, state_dtype) as in docs/rules.md
    "tic-tac-toe": (1000, "float64"),
    "connect-four": (500, "float64"),
    "quarto": (1000, "int64"),
}


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_info_matches_games_md(slug: str) -> None:
    info = environments.info(slug)
    assert isinstance(info, GameInfo)
    assert (info.num_matches, info.state_dtype) == EXPECTED[slug]
    assert info.slug == slug
    assert info.rules_version == 1
    assert info.memory == "4g" and info.memory_bytes == 4 * 1024**3
    assert info.cpus == 1.0
    assert info.startup_timeout == 60.0 and info.move_timeout == 10.0


@pytest.mark.parametrize("slug", SLUGS)
def test_info_fields_are_valid(slug: str) -> None:
    info = environments.info(slug)
    assert info.name.strip() and info.description.strip()
    assert isinstance(info.rules_version, int) and info.rules_version >= 1
    assert isinstance(info.num_matches, int) and info.num_matches > 0
    assert info.memory_bytes > 0 and info.cpus > 0
    assert info.startup_timeout > 0 and info.move_timeout > 0
    assert info.state_dtype in ("float64", "int64")
    assert info.static_dir.is_dir()
    assert info.play.how_to_move.strip()
    assert info.play.marks is None or len(info.play.marks) == 2
    with pytest.raises(AttributeError):
        info.slug = "other"  # type: ignore[misc]  # frozen


@pytest.mark.parametrize("slug", SLUGS)
def test_description_is_the_module_docstring(slug: str) -> None:
    # The players' documentation lives in two places (info.yml for the site,
    # the docstring for readers of the code): they must not drift apart.
    info = environments.info(slug)
    module = importlib.import_module(environments.game_class(slug).__module__)
    assert module.__doc__ is not None
    assert info.description.strip() == module.__doc__.strip()
    for section in ("## State", "## Actions", "## Rewards", "## Version history"):
        assert section in info.description


@pytest.mark.parametrize("slug", SLUGS)
def test_static_files(slug: str) -> None:
    static = environments.info(slug).static_dir
    script = (static / "render.js").read_text(encoding="utf-8")
    assert "window.ArenaRender = window.ArenaRender || {}" in script
    assert f'ArenaRender["{slug}"]' in script
    assert (static / "style.css").read_text(encoding="utf-8").strip()


def test_unknown_slug() -> None:
    for call in (environments.info, environments.load, environments.new_game):
        with pytest.raises(UnknownEnvironmentError) as caught:
            call("chess")
        assert isinstance(caught.value, LookupError)
        assert str(caught.value) == (
            "unknown environment 'chess'; known environments: " + ", ".join(SLUGS)
        )


def test_discovery_is_cached() -> None:
    assert environments.info("quarto") is environments.info("quarto")
    assert environments.game_class("quarto") is environments.game_class("quarto")


def test_discovery_finds_any_game_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for slug in ("gomoku", "nine-men-morris"):
        folder = tmp_path / slug.replace("-", "_")
        (folder / "static").mkdir(parents=True)
        (folder / "info.yml").write_text(_info_yml(slug=slug), encoding="utf-8")
    (tmp_path / "not_a_game").mkdir()
    (tmp_path / "_private").mkdir()
    monkeypatch.setattr(registry, "_ROOT", tmp_path)
    registry._infos.cache_clear()
    try:
        assert environments.slugs() == ("gomoku", "nine-men-morris")
    finally:
        monkeypatch.undo()
        registry._infos.cache_clear()
    assert environments.slugs() == SLUGS


def _info_yml(**changes: object) -> str:
    fields: dict[str, object] = {
        "slug": "gomoku",
        "name": "Gomoku",
        "rules_version": 1,
        "num_matches": 100,
        "memory": "4g",
        "cpus": 1,
        "startup_timeout": 60,
        "move_timeout": 10,
        "state_dtype": "float64",
        "play": "{how_to_move: Click an empty point., marks: [Black, White]}",
        "description": "'# Gomoku'",
    }
    fields.update(changes)
    return "".join(f"{key}: {value}\n" for key, value in fields.items() if value is not None)


def _write(tmp_path: Path, text: str, folder: str = "gomoku") -> Path:
    (tmp_path / folder / "static").mkdir(parents=True, exist_ok=True)
    path = tmp_path / folder / "info.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_info_valid(tmp_path: Path) -> None:
    info = load_info(_write(tmp_path, _info_yml(cpus=0.5, memory="512m")))
    assert info.slug == "gomoku" and info.cpus == 0.5 and info.memory_bytes == 512 * 1024**2
    assert info.static_dir == tmp_path / "gomoku" / "static"
    assert info.play == PlayInfo(how_to_move="Click an empty point.", marks=("Black", "White"))
    same_pieces = load_info(_write(tmp_path, _info_yml(play="{how_to_move: Click a piece.}")))
    assert same_pieces.play == PlayInfo(how_to_move="Click a piece.", marks=None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": None}, "slug"),
        ({"name": None}, "name"),
        ({"description": None}, "description"),
        ({"num_matches": None}, "num_matches"),
        ({"num_matches": 0}, "num_matches"),
        ({"num_matches": "many"}, "num_matches"),
        ({"num_matches": "yes"}, "num_matches"),  # YAML true: not an integer
        ({"rules_version": 1.5}, "rules_version"),
        ({"memory": "4 gigs"}, "memory"),
        ({"memory": "0g"}, "memory"),
        ({"cpus": 0}, "cpus"),
        ({"cpus": "one"}, "cpus"),
        ({"startup_timeout": -1}, "startup_timeout"),
        ({"move_timeout": ".nan"}, "move_timeout"),
        ({"state_dtype": "float32"}, "state_dtype"),
        ({"slug": "Gomoku"}, "slug"),
        ({"slug": "renju"}, "slug"),  # does not match its folder
        ({"colour": "red"}, "colour"),  # unknown field: probably a typo
        ({"play": None}, "play"),
        ({"play": "Click."}, "play"),
        ({"play": "{marks: [X, O]}"}, "play.how_to_move"),
        ({"play": "{how_to_move: ' '}"}, "play.how_to_move"),
        ({"play": "{how_to_move: Click., marks: [X]}"}, "play.marks"),
        ({"play": "{how_to_move: Click., marks: [X, '']}"}, "play.marks"),
        ({"play": "{how_to_move: Click., marks: [X, no]}"}, "play.marks"),  # YAML false
        ({"play": "{how_to_move: Click., hint: Go}"}, "play.hint"),
    ],
)
def test_load_info_names_file_and_field(tmp_path: Path, changes: dict, field: str) -> None:
    path = _write(tmp_path, _info_yml(**changes))
    with pytest.raises(GameInfoError) as caught:
        load_info(path)
    assert str(path) in str(caught.value)
    assert f"'{field}'" in str(caught.value)


def test_load_info_unreadable_or_malformed(tmp_path: Path) -> None:
    with pytest.raises(GameInfoError, match="cannot read"):
        load_info(tmp_path / "gomoku" / "info.yml")
    with pytest.raises(GameInfoError, match="not valid YAML"):
        load_info(_write(tmp_path, "slug: [unclosed\n"))
    with pytest.raises(GameInfoError, match="mapping"):
        load_info(_write(tmp_path, "- a list\n"))


def test_load_info_needs_static_folder(tmp_path: Path) -> None:
    folder = tmp_path / "gomoku"
    folder.mkdir()
    (folder / "info.yml").write_text(_info_yml(), encoding="utf-8")
    with pytest.raises(GameInfoError, match="static"):
        load_info(folder / "info.yml")


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4g", 4 * 1024**3),
        ("4G", 4 * 1024**3),
        ("512m", 512 * 1024**2),
        ("64k", 65536),
        ("100", 100),
        ("100b", 100),
    ],
)
def test_parse_memory(text: str, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize("text", ["", "g", "4gb", "-1g", "1.5g", "0", "4 g"])
def test_parse_memory_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_memory(text)


def test_errors_pickle_with_their_attributes() -> None:
    error = InvalidActionError(9, "there is no cell 9 (cells are 0-8)", "tic-tac-toe")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.action, copy.reason, copy.slug) == (9, error.reason, "tic-tac-toe")
    assert str(copy) == str(error)
    assert isinstance(copy, ValueError)
    unknown = pickle.loads(pickle.dumps(UnknownEnvironmentError("chess", ("quarto",))))
    assert str(unknown) == "unknown environment 'chess'; known environments: quarto"


def test_error_message_survives_hostile_actions() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

        __hash__ = None  # type: ignore[assignment]

    with pytest.raises(InvalidActionError, match="it is not an integer") as caught:
        environments.new_game("tic-tac-toe").play(Hostile())
    assert "<Hostile object>" in str(caught.value)
    with pytest.raises(InvalidActionError) as caught:
        environments.new_game("tic-tac-toe").play("x" * 1000)
    assert len(str(caught.value)) < 200
