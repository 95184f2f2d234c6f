"""Quarto: see :mod:`.environment` for the rules."""

from __future__ import annotations

from .environment import GAME, Quarto

__all__ = ["GAME", "Quarto"]
