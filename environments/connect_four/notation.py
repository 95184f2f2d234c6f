"""Connect-four moves in words: "column 4" (columns 1-7 from the left, as the play page says).

The same words as ``static/render.js``'s ``notation``;
tests/environments/test_env_notation.py checks
that both agree on the golden trajectories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["notation"]


def notation(state: Sequence[Any], action: int) -> str:
    """The move ``action`` (a column 0-6) played from ``state``."""
    return f"column {int(action) + 1}"
