"""What can go wrong in a duel, split the way the rules split blame.

A :class:`PlayerFailure` is the player's fault and ends the match as that player's error.
An :class:`ArenaError` is ours (Docker daemon gone, image missing, a bug): the duel ends as
``ERROR`` and is retried by whoever scheduled it; it is never charged to a participant.
"""

from __future__ import annotations


class PlayerFailure(Exception):
    """A player failed a call.

    ``summary`` completes a sentence that starts with the player's label and ends with the
    call, e.g. "player 2 | timed out after 10 s | in step() of match 37". ``fatal`` means the
    player's process is gone or unusable and must be restarted before it can play again.
    """

    def __init__(self, summary: str, *, fatal: bool = False, log_tail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.fatal = fatal
        self.log_tail = log_tail


class StartupFailure(PlayerFailure):
    """The player could not get ready: import error, no Player class, start-up deadline..."""

    def __init__(self, summary: str, *, log_tail: str = "") -> None:
        super().__init__(summary, fatal=True, log_tail=log_tail)


class ArenaError(Exception):
    """A failure of the arena itself; becomes OTHER_ERROR and makes the duel ERROR."""
