"""Discovery of the games: every subpackage of ``environments`` with an ``info.yml``,
plus the game folders registered from elsewhere with :func:`register_folder`.

A new game needs only its folder: ``info.yml``, ``environment.py`` defining
``GAME`` (its :class:`~environments.base.Game` subclass), ``__init__.py`` and
``static/`` (``render.js``, which draws a state and turns clicks into actions,
and ``style.css``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .base import Game
from .environment import Environment
from .errors import GameInfoError, UnknownEnvironmentError
from .info import GameInfo, load_info

__all__ = [
    "game_class",
    "info",
    "load",
    "new_game",
    "register_folder",
    "slugs",
    "unregister_folder",
]

_ROOT = Path(__file__).resolve().parent
# Game folders outside environments/, in the order they were registered.
_registered: list[Path] = []


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
    for folder in _registered:
        game_info = load_info(folder / "info.yml")
        if game_info.slug in found:
            raise GameInfoError(f"{folder}: the game {game_info.slug!r} is already known")
        found[game_info.slug] = game_info
    return dict(sorted(found.items()))


def register_folder(path: str | Path) -> GameInfo:
    """Add the game whose folder is ``path``, kept outside ``environments/`` (a game being
    written, a test's game); return its :class:`GameInfo`.

    The folder is laid out as the shipped ones (see the module docstring) and is imported as
    a package of its own, so its ``environment.py`` imports the arena's classes absolutely
    (``from environments import Game``). Registering it again changes nothing;
    :class:`GameInfoError` if it is not a valid game or its slug is taken.
    """
    folder = Path(path).resolve()
    game_info = load_info(folder / "info.yml")
    if folder not in _registered:
        if game_info.slug in _infos():
            raise GameInfoError(f"{folder}: the game {game_info.slug!r} is already known")
        _registered.append(folder)
        _forget()
    return info(game_info.slug)


def unregister_folder(path: str | Path) -> None:
    """Forget a folder given to :func:`register_folder` (nothing if it was not)."""
    folder = Path(path).resolve()
    if folder in _registered:
        _registered.remove(folder)
        _forget()


def _forget() -> None:
    _infos.cache_clear()
    game_class.cache_clear()


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
    module = _game_module(game_info.static_dir.parent)
    module_name = module.__name__
    cls = getattr(module, "GAME", None)
    if not (isinstance(cls, type) and issubclass(cls, Game)):
        raise GameInfoError(f"{module_name} must define GAME, a subclass of environments.Game")
    if cls.slug != slug or cls.state_dtype != game_info.state_dtype:
        raise GameInfoError(
            f"{module_name}.GAME (slug {cls.slug!r}, state_dtype {cls.state_dtype!r}) "
            f"disagrees with its info.yml (slug {slug!r}, state_dtype {game_info.state_dtype!r})"
        )
    return cls


def _game_module(folder: Path) -> ModuleType:
    """The ``environment`` module of a game folder: a subpackage of ``environments`` or, for
    a registered folder, a package of its own named after the folder."""
    if folder.parent == _ROOT:
        return importlib.import_module(f"{__package__}.{folder.name}.environment")
    package = f"arena_game_{folder.name}"
    loaded = sys.modules.get(package)
    if loaded is None or list(getattr(loaded, "__path__", ())) != [str(folder)]:
        # First use, or another folder of the same name was registered before this one.
        if not (folder / "__init__.py").is_file():
            raise GameInfoError(f"{folder}: a game folder needs an __init__.py")
        sys.modules.pop(f"{package}.environment", None)
        spec = importlib.util.spec_from_file_location(
            package, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise GameInfoError(f"{folder}: cannot import the game's folder")
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{package}.environment")


def new_game(slug: str) -> Game:
    """A new game of ``slug`` in its initial state (the fast internal API)."""
    return game_class(slug)()


def load(slug: str) -> Environment:
    """A new :class:`Environment` of ``slug`` (the original interface)."""
    return Environment(info(slug), new_game(slug))
