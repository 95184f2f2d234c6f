"""Player handles: what the match engine talks to.

A handle answers ``start``/``step``/``end`` with plain Python values (states are lists, valid
actions tuples) and raises :class:`~run_duel.errors.PlayerFailure` for anything the player did
wrong. :class:`InProcessPlayer` wraps a ``Player`` object living in this process (tests,
training, golden replays); the sandboxes in :mod:`run_duel.sandbox` run one elsewhere.
"""

from __future__ import annotations

import importlib.util
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from run_duel.errors import PlayerFailure
from run_duel.harness import seed_randomness, to_action


class PlayerHandle(Protocol):
    label: str

    def start(self, state: list, valid_actions: Sequence[int]) -> int: ...

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int: ...

    def end(self, state: list, prev_reward: float) -> None: ...


class RestartablePlayer(PlayerHandle, Protocol):
    """A handle whose process can die (a sandbox): a duel restarts it for the next match.

    Told apart by its ``dead`` attribute, not by ``isinstance``: a runtime protocol check on
    every match would cost a duel more than its moves do.
    """

    dead: bool

    def restart(self) -> None: ...


class InProcessPlayer:
    """Calls a ``Player`` object directly, converting values the way the harness does."""

    restartable = False

    def __init__(self, player: Any, *, state_dtype: str = "float64", label: str = "player") -> None:
        self.player = player
        self.label = label
        self._dtype = np.dtype(state_dtype)

    def reseed(self, seed: int) -> None:
        """Seed ``random`` and numpy's global generator for the next match, as the harness
        does just before ``start`` (this process's PYTHONHASHSEED is whatever it started with)."""
        seed_randomness(seed, np)

    def start(self, state: list, valid_actions: Sequence[int]) -> int:
        return self._act("start", state, valid_actions)

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int:
        return self._act("step", state, valid_actions, prev_reward)

    def end(self, state: list, prev_reward: float) -> None:
        try:
            self.player.end(np.array(state, dtype=self._dtype), prev_reward)
        except Exception as exc:
            raise _raised(exc) from exc

    def _act(self, method: str, state: list, valid_actions: Sequence[int], *reward: float) -> int:
        try:
            value = getattr(self.player, method)(
                np.array(state, dtype=self._dtype), np.array(valid_actions, dtype=np.int64), *reward
            )
        except Exception as exc:
            raise _raised(exc) from exc
        action = to_action(value, np)
        if action is None:
            raise PlayerFailure(f"returned {value!r} ({type(value).__name__}), not an integer,")
        return action


def _raised(exc: Exception) -> PlayerFailure:
    first_line = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return PlayerFailure(f"raised {first_line}", log_tail=traceback.format_exc()[-2000:])


def load_player(
    folder: str | Path,
    *,
    state_dtype: str = "float64",
    label: str = "player",
    seed: int | None = None,
) -> InProcessPlayer:
    """Import ``folder/player.py`` under a private module name and wrap ``Player(False)``.

    For tests and training only: the player runs in this process, unsandboxed, and its
    working directory is not changed. ``seed``: seed ``random`` and numpy's global generator
    before the import, as the harness does with ``ARENA_SEED``.
    """
    if seed is not None:
        seed_randomness(seed, np)
    path = Path(folder) / "player.py"
    name = f"_arena_player_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return InProcessPlayer(module.Player(False), state_dtype=state_dtype, label=label)
