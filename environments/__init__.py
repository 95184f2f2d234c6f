"""The games of RL Arena: rules, metadata and browser renderers.

Two interfaces per game:

- :func:`new_game` returns a :class:`Game`, the fast mutable API used by the
  arena, benchmarks and search players (``legal_actions``, ``play``, ``state``).
- :func:`load` returns an :class:`Environment`, the original 2019 interface
  (``reset``/``step`` with numpy arrays) that submissions are written against.

The exact rules and encodings are a compatibility contract (docs/rules.md);
every game's ``environment.py`` documents them for players.
Only the standard library, numpy and PyYAML are used here.
"""

from __future__ import annotations

from .base import Game, as_action
from .environment import Environment
from .errors import GameInfoError, InvalidActionError, UnknownEnvironmentError
from .info import GameInfo, PlayInfo, parse_memory
from .registry import (
    game_class,
    info,
    load,
    new_game,
    register_folder,
    slugs,
    unregister_folder,
)

__all__ = [
    "Environment",
    "Game",
    "GameInfo",
    "GameInfoError",
    "InvalidActionError",
    "PlayInfo",
    "UnknownEnvironmentError",
    "as_action",
    "game_class",
    "info",
    "load",
    "new_game",
    "parse_memory",
    "register_folder",
    "slugs",
    "unregister_folder",
]
