"""What can go wrong in a duel, split the way the rules split blame.

A :class:`PlayerFailure` is the player's fault and ends the match as that player's error.
An :class:`ArenaError` is ours (Docker daemon gone, image missing, a bug): the duel ends as
``ERROR`` and is retried by whoever scheduled it; it is never charged to a participant.
"""

from __future__ import annotations

from run_duel.text import MESSAGE_CHARS, clean, player_text, tail

# How much of a player's log an error message carries: its last lines, where the error is.
LOG_TAIL_CHARS = 1500


class PlayerFailure(Exception):
    """A player failed a call.

    ``summary`` completes a sentence that starts with the player's label and ends with the
    call, e.g. "player 2 | timed out after 10 s | in step() of match 37". ``fatal`` means the
    player's process is gone or unusable and must be restarted before it can play again.

    Both texts may hold what the player wrote, so they are capped and cleaned here, where they
    enter the arena (see :mod:`run_duel.text`).
    """

    def __init__(self, summary: str, *, fatal: bool = False, log_tail: str = "") -> None:
        summary = player_text(summary, MESSAGE_CHARS // 2)
        super().__init__(summary)
        self.summary = summary
        self.fatal = fatal
        self.log_tail = clean(tail(log_tail, LOG_TAIL_CHARS))


class StartupFailure(PlayerFailure):
    """The player could not get ready: import error, no Player class, start-up deadline..."""

    def __init__(self, summary: str, *, log_tail: str = "") -> None:
        super().__init__(summary, fatal=True, log_tail=log_tail)


class ArenaError(Exception):
    """A failure of the arena itself; becomes OTHER_ERROR and makes the duel ERROR."""


class DuelAborted(Exception):
    """Whoever runs the duel wants it stopped now (its worker lost its claim on the duel).

    Not an outcome: it goes through the match and duel engines untouched, and nothing of the
    duel is recorded.
    """
