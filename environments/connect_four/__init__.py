"""Connect four: see :mod:`.environment` for the rules."""

from __future__ import annotations

from .environment import GAME, ConnectFour

__all__ = ["GAME", "ConnectFour"]
