"""Game solvers: the proven value of a position, or "unknown" when the proof costs too much.

A game may ship ``environments/<game>/solver.py`` defining ``SOLVER``, an object with the
:class:`Solver` interface. The coach (blunder reports, the replay's proven values, the dev
kit's ``--coach``) only ever talks to that interface, so a game without a solver simply has
no coach.

Values are always from the point of view of the player to move in the position: ``1`` it
wins with best play from both sides, ``0`` a draw, ``-1`` it loses. All three games alternate
their players, so a move's value for its mover is minus the value of the position it leads
to (or the move's own result when it ends the game).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .registry import game_class

__all__ = ["UNKNOWN", "Solver", "Verdict", "solver"]


@dataclass(frozen=True)
class Verdict:
    """What a solver proved about one position."""

    #: For the player to move: 1 win, 0 draw, -1 loss; None when not proven within the budget.
    value: int | None
    #: Plies to the end under best play (the winner hurries, the loser delays); None if unknown.
    plies: int | None = None
    #: The legal actions that keep ``value``, ascending; ``()`` when unknown or finished.
    best_actions: tuple[int, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None


UNKNOWN = Verdict(None)


class Solver(Protocol):
    #: True when every position is proven at once (tic-tac-toe); False when a budget can run out.
    exact: bool

    def solve(self, state: Sequence[float], budget: float) -> Verdict:
        """The value of the unfinished position ``state`` (the game's documented encoding, as
        the duel record stores it), proven within about ``budget`` seconds, else
        :data:`UNKNOWN`. A finished position has no value to prove: :data:`UNKNOWN`."""
        ...


_SOLVERS: dict[str, Solver | None] = {}


def solver(slug: str) -> Solver | None:
    """The solver of game ``slug``, or None when the game ships none."""
    if slug not in _SOLVERS:
        # The game's package (environments.tic_tac_toe, or a registered folder's own).
        module_name = game_class(slug).__module__.rpartition(".")[0]
        try:
            module = importlib.import_module(f"{module_name}.solver")
        except ModuleNotFoundError as exc:
            if exc.name != f"{module_name}.solver":
                raise
            module = None
        _SOLVERS[slug] = getattr(module, "SOLVER", None) if module is not None else None
    return _SOLVERS[slug]
