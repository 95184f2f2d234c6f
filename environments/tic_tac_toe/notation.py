"""Tic-tac-toe moves in words: the cell, "b2" (column a-c from the left, row 1-3 from the top).

The same names as ``static/render.js``'s ``notation``;
tests/environments/test_env_notation.py checks
that both agree on the golden trajectories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["cell_name", "notation"]


def cell_name(cell: int) -> str:
    """Cell ``3 * row + col`` -> "a1" (top left) ... "c3" (bottom right)."""
    row, col = divmod(int(cell), 3)
    return f"{'abc'[col]}{row + 1}"


def notation(state: Sequence[Any], action: int) -> str:
    """The move ``action`` played from ``state``: the cell marked."""
    return cell_name(action)
