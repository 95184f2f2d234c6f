"""Tic-tac-toe: see :mod:`.environment` for the rules."""

from __future__ import annotations

from .environment import GAME, TicTacToe

__all__ = ["GAME", "TicTacToe"]
