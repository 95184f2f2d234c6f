"""Matches and duels between two players, the sandboxes they run in, and the dev kit CLI.

No Django here: the same code runs on the server's workers and in a participant's terminal.
"""

from run_duel.duel import run_duel
from run_duel.errors import ArenaError, PlayerFailure, StartupFailure
from run_duel.match import play_match
from run_duel.players import InProcessPlayer
from run_duel.sandbox import Limits

__all__ = [
    "ArenaError",
    "InProcessPlayer",
    "Limits",
    "PlayerFailure",
    "StartupFailure",
    "play_match",
    "run_duel",
]
