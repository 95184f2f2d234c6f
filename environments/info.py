"""Game metadata: the ``info.yml`` of each game folder, loaded and validated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import GameInfoError

__all__ = ["GameInfo", "PlayInfo", "load_info", "parse_memory"]

STATE_DTYPES = ("float64", "int64")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Docker's --memory syntax: a positive integer with an optional b/k/m/g unit.
_MEMORY = re.compile(r"([1-9][0-9]*)([bkmg]?)", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@dataclass(frozen=True)
class PlayInfo:
    """How a person plays the game in the browser: the ``play`` section of ``info.yml``.

    The play page shows these words as they are; the clicks themselves are the
    renderer's (``static/render.js``, its interactive mode).
    """

    #: One or two sentences: how a move is made with the mouse ("Click an empty cell.").
    how_to_move: str
    #: What the first and the second mover play with, in the renderer's words
    #: (("X", "O")); None when both play with the same pieces (Quarto).
    marks: tuple[str, str] | None = None


@dataclass(frozen=True)
class GameInfo:
    """What the arena needs to know about a game, from its ``info.yml``."""

    slug: str
    name: str
    #: Markdown: the players' documentation (state and action encodings, rewards,
    #: version history).
    description: str
    rules_version: int
    #: Matches in one duel.
    num_matches: int
    #: Memory limit of a player's container, Docker style ("4g").
    memory: str
    cpus: float
    #: Seconds a player may take to start (import, load its files).
    startup_timeout: float
    #: Seconds a player may take for one call (start/step/end).
    move_timeout: float
    #: numpy dtype of the states handed to players: "float64" or "int64".
    state_dtype: str
    #: Folder of the browser files (render.js, style.css).
    static_dir: Path
    #: How a person plays it on the play page.
    play: PlayInfo

    @property
    def memory_bytes(self) -> int:
        return parse_memory(self.memory)


def parse_memory(text: str) -> int:
    """Bytes in a Docker-style memory size: ``"4g"`` -> 4294967296."""
    match = _MEMORY.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a memory size like '512m' or '4g': {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _field(data: dict[str, Any], path: Path, name: str) -> Any:
    if name not in data:
        raise GameInfoError(f"{path}: missing field '{name}'")
    return data[name]


def _bad(path: Path, name: str, value: Any, expected: str) -> GameInfoError:
    return GameInfoError(f"{path}: field '{name}' must be {expected}, got {value!r}")


def _text(data: dict[str, Any], path: Path, name: str) -> str:
    value = _field(data, path, name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, name, value, "a non-empty string")
    return value


def _positive_int(data: dict[str, Any], path: Path, name: str) -> int:
    value = _field(data, path, name)
    # bool is an int subclass: "num_matches: yes" must not pass as 1.
    if type(value) is not int or value < 1:
        raise _bad(path, name, value, "a positive integer")
    return value


def _positive_number(data: dict[str, Any], path: Path, name: str) -> float:
    value = _field(data, path, name)
    if type(value) not in (int, float) or not value > 0 or value == float("inf"):
        raise _bad(path, name, value, "a positive number")
    return float(value)


_FIELDS = (
    "slug",
    "name",
    "description",
    "rules_version",
    "num_matches",
    "memory",
    "cpus",
    "startup_timeout",
    "move_timeout",
    "state_dtype",
    "play",
)
_PLAY_FIELDS = ("how_to_move", "marks")


def _play(data: dict[str, Any], path: Path) -> PlayInfo:
    section = _field(data, path, "play")
    if not isinstance(section, dict):
        raise _bad(path, "play", section, "a mapping with how_to_move (and marks)")
    unknown = sorted(str(key) for key in section if key not in _PLAY_FIELDS)
    if unknown:
        raise GameInfoError(
            f"{path}: unknown field 'play.{unknown[0]}' (known: {', '.join(_PLAY_FIELDS)})"
        )
    how_to_move = section.get("how_to_move")
    if not isinstance(how_to_move, str) or not how_to_move.strip():
        raise _bad(path, "play.how_to_move", how_to_move, "a non-empty string")
    marks = section.get("marks")
    if marks is not None:
        # Two names, the first mover's then the second's: "You play X." on the page.
        if not (
            isinstance(marks, list)
            and len(marks) == 2
            and all(isinstance(mark, str) and mark.strip() for mark in marks)
        ):
            raise _bad(path, "play.marks", marks, "two non-empty strings (first mover, second)")
        marks = (marks[0].strip(), marks[1].strip())
    return PlayInfo(how_to_move=" ".join(how_to_move.split()), marks=marks)


def load_info(path: Path) -> GameInfo:
    """Load and validate one ``info.yml``; raise :class:`GameInfoError` naming the
    file and the field on any problem.

    The folder holding the file must be named after the slug (dashes become
    underscores, so that it is an importable package) and hold a ``static/``
    folder.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GameInfoError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise GameInfoError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise GameInfoError(f"{path}: must be a YAML mapping of fields")
    unknown = sorted(str(key) for key in data if key not in _FIELDS)
    if unknown:
        # A typo ("num_match") would otherwise silently fall back to nothing.
        raise GameInfoError(f"{path}: unknown field '{unknown[0]}' (known: {', '.join(_FIELDS)})")

    slug = _text(data, path, "slug")
    if not _SLUG.fullmatch(slug):
        raise _bad(path, "slug", slug, "lowercase words joined by dashes")
    folder = path.parent.name
    if folder != slug.replace("-", "_"):
        raise GameInfoError(
            f"{path}: field 'slug' is {slug!r} but the folder is {folder!r}; "
            f"the folder must be named {slug.replace('-', '_')!r}"
        )
    memory = _text(data, path, "memory")
    try:
        parse_memory(memory)
    except ValueError:
        raise _bad(path, "memory", memory, "a Docker memory size like '4g' or '512m'") from None
    state_dtype = _text(data, path, "state_dtype")
    if state_dtype not in STATE_DTYPES:
        raise _bad(path, "state_dtype", state_dtype, f"one of {', '.join(STATE_DTYPES)}")
    static_dir = path.parent / "static"
    if not static_dir.is_dir():
        raise GameInfoError(f"{path}: the game has no static/ folder beside info.yml")

    return GameInfo(
        slug=slug,
        name=_text(data, path, "name").strip(),
        description=_text(data, path, "description"),
        rules_version=_positive_int(data, path, "rules_version"),
        num_matches=_positive_int(data, path, "num_matches"),
        memory=memory,
        cpus=_positive_number(data, path, "cpus"),
        startup_timeout=_positive_number(data, path, "startup_timeout"),
        move_timeout=_positive_number(data, path, "move_timeout"),
        state_dtype=state_dtype,
        static_dir=static_dir,
        play=_play(data, path),
    )
