"""Quarto moves in words: "places piece 7 (tall dark square solid) on c3 and gives piece 12".

Squares are named like tic-tac-toe's cells: column a-d from the left, row 1-4 from the top.
The same words as ``static/render.js``'s ``notation``;
tests/environments/test_env_notation.py checks
that both agree on the golden trajectories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["describe_piece", "notation", "square_name"]


def square_name(position: int) -> str:
    """Position ``4 * row + col`` -> "a1" (top left) ... "d4" (bottom right)."""
    row, col = divmod(int(position), 4)
    return f"{'abcd'[col]}{row + 1}"


def describe_piece(piece: int) -> str:
    """A piece's four attributes, its bits as environment.py names them for display."""
    return " ".join(
        (
            "tall" if piece & 1 else "short",
            "dark" if piece & 2 else "light",
            "square" if piece & 4 else "round",
            "hollow" if piece & 8 else "solid",
        )
    )


def notation(state: Sequence[Any], action: int) -> str:
    """The move ``action`` (``16 * position + piece given``) played from ``state``, whose
    entry 16 is the piece being placed."""
    position, given = divmod(int(action), 16)
    placed = int(state[16])
    return (
        f"places piece {placed} ({describe_piece(placed)}) on {square_name(position)} "
        f"and gives piece {given}"
    )
