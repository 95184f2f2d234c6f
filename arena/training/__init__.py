"""Train against the ladder: the arena's games as PettingZoo and Gymnasium environments.

- :mod:`arena.training.aec`: :class:`~arena.training.aec.ArenaAECEnv`, a PettingZoo AEC
  environment of one game, both sides played by the caller (self-play, multi-agent learners);
- :mod:`arena.training.single`: :class:`~arena.training.single.ArenaEnv`, a Gymnasium
  environment in which the caller plays one side and an :mod:`~arena.training.opponents`
  opponent the other: an example player in this process, a local player folder in its
  sandbox, or a hosted agent of an arena server through its remote-agent API.

Observations are the arena's own state encoding (the docstring of
``environments/<game>/environment.py``), so what an agent learns here is what it sees when it
is submitted; action masks are the game's valid actions.

PettingZoo and Gymnasium are optional for the rest of ``arena`` (``arena submit`` stays
standard library only): they are imported by :mod:`~arena.training.aec` and
:mod:`~arena.training.single` alone, and this package's names load them on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ArenaAECEnv", "ArenaEnv"]

_LAZY = {"ArenaAECEnv": "arena.training.aec", "ArenaEnv": "arena.training.single"}


def __getattr__(name: str) -> Any:
    # Lazily, so that importing arena.training.opponents needs neither library.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
