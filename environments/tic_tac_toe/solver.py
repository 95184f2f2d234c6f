"""Tic-tac-toe solved exactly: every reachable position's value, plies to the end and best moves.

The rules already build the whole game graph (:func:`environments.tic_tac_toe.environment._build`,
5,478 positions); a memoized negamax over it, run once on the first question, proves every
unfinished position. ``solve`` is then one dict lookup, whatever the budget.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..solver import UNKNOWN, Verdict
from .environment import _ROOT, _Node

__all__ = ["SOLVER", "TicTacToeSolver"]


class TicTacToeSolver:
    """Exact: the table of every unfinished reachable position, built lazily."""

    exact = True

    def __init__(self) -> None:
        # (first mover's mask, second mover's mask, player to move) -> verdict.
        self._table: dict[tuple[int, int, int], Verdict] | None = None

    def solve(self, state: Sequence[float], budget: float) -> Verdict:
        if len(state) != 10:
            return UNKNOWN
        first = second = 0
        for cell in range(9):
            if state[cell] == 1:
                first |= 1 << cell
            elif state[cell] == -1:
                second |= 1 << cell
        to_move = 0 if state[9] == 1 else 1
        # Finished and unreachable positions are not in the table: nothing to prove there.
        return self.table().get((first, second, to_move), UNKNOWN)

    def table(self) -> dict[tuple[int, int, int], Verdict]:
        if self._table is None:
            table: dict[tuple[int, int, int], Verdict] = {}
            _negamax(_ROOT, table)
            self._table = table
        return self._table


def _negamax(node: _Node, table: dict[tuple[int, int, int], Verdict]) -> Verdict:
    """The verdict of the unfinished ``node``, filling ``table`` for it and all below it."""
    key = (*node.marks, node.to_move)
    found = table.get(key)
    if found is not None:
        return found
    # The mover's (value, plies) after each action.
    outcomes: dict[int, tuple[int, int]] = {}
    for action, child in node.children.items():
        if child.done:
            # The move ends the game: a line of three wins it, a full board draws.
            outcomes[action] = (1 if child.reward > 0 else 0, 1)
        else:
            below = _negamax(child, table)
            assert below.value is not None and below.plies is not None
            outcomes[action] = (-below.value, below.plies + 1)
    value = max(value for value, _ in outcomes.values())
    keeping = [plies for v, plies in outcomes.values() if v == value]
    # The winner hurries, the loser delays (a draw always fills the board: any length is it).
    plies = min(keeping) if value > 0 else max(keeping)
    best = tuple(sorted(action for action, (v, _) in outcomes.items() if v == value))
    verdict = table[key] = Verdict(value, plies, best)
    return verdict


SOLVER = TicTacToeSolver()
