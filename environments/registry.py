"""Discovery of the games: every subpackage of ``environments`` with an ``info.yml``.

A new game needs only its folder: ``info.yml``, ``environment.py`` defining
``GAME`` (its :class:`~environments.base.Game` subclass) and ``static/``.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from .base import Game
from .environment import Environment
from .errors import GameInfoError, UnknownEnvironmentError
from .info import GameInfo, load_info

__all__ = ["game_class", "info", "load", "new_game", "slugs"]

_ROOT = Path(__file__).resolve().parent


@functools.cache
def _infos() -> dict[str, GameInfo]:
    # Cached: discovery reads files and the arena asks on every request. A broken
    # info.yml fails loudly here rather than hiding its game.
    found: dict[str, GameInfo] = {}
    for folder in sorted(_ROOT.iterdir()):
        path = folder / "info.yml"
        if folder.name.startswith(("_", ".")) or not path.is_file():
            continue
        game_info = load_info(path)
        found[game_info.slug] = game_info
    return dict(sorted(found.items()))


def slugs() -> tuple[str, ...]:
    """The slugs of all the games, sorted."""
    return tuple(_infos())


def info(slug: str) -> GameInfo:
    """The :class:`GameInfo` of ``slug``; :class:`UnknownEnvironmentError` if none."""
    try:
        return _infos()[slug]
    except (KeyError, TypeError):
        raise UnknownEnvironmentError(slug, slugs()) from None


@functools.cache
def game_class(slug: str) -> type[Game]:
    """The :class:`Game` subclass implementing ``slug``."""
    game_info = info(slug)
    module_name = f"{__package__}.{game_info.static_dir.parent.name}.environment"
    module = importlib.import_module(module_name)
    cls = getattr(module, "GAME", None)
    if not (isinstance(cls, type) and issubclass(cls, Game)):
        raise GameInfoError(f"{module_name} must define GAME, a subclass of environments.Game")
    if cls.slug != slug or cls.state_dtype != game_info.state_dtype:
        raise GameInfoError(
            f"{module_name}.GAME (slug {cls.slug!r}, state_dtype {cls.state_dtype!r}) "
            f"disagrees with its info.yml (slug {slug!r}, state_dtype {game_info.state_dtype!r})"
        )
    return cls


def new_game(slug: str) -> Game:
    """A new game of ``slug`` in its initial state (the fast internal API)."""
    return game_class(slug)()


def load(slug: str) -> Environment:
    """A new :class:`Environment` of ``slug`` (the original interface)."""
    return Environment(info(slug), new_game(slug))
