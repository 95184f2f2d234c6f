"""A player whose moves come from outside the arena: a person at a page, a remote client.

:class:`HumanPlayer` is one more :class:`~run_duel.players.PlayerHandle`, so the one match
engine (:func:`run_duel.match.play_match`) plays a human match exactly as it plays a duel's.
Its ``start``/``step`` wait for the human's move from a callable; a human who leaves, or makes
no move within the idle timeout, fails the call as a player does: the match ends as that
side's error (for a human match, abandoned: see :func:`run_duel.outcomes.human_result`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

from run_duel.errors import PlayerFailure


class HumanLeft(Exception):
    """Raised by a :data:`Receive` callable when the human has left the match."""


# What a :data:`Receive` callable returns for a message that is no move now (a late duplicate
# of a move already played): the wait goes on.
NOT_A_MOVE: Final = object()

# Waits up to the given seconds for the human's next move and returns its action; returns
# None when nothing came in time, NOT_A_MOVE for a message to skip; raises HumanLeft.
Receive = Callable[[float], object]


class HumanPlayer:
    """Plays the moves ``receive`` hands it; a move that is not valid now is ignored.

    The page checks a move before sending it, so an invalid one is forged or stale: it is
    dropped and the human may still move until the idle timeout, which each call restarts.
    """

    def __init__(self, receive: Receive, idle_timeout: float, *, label: str = "the human") -> None:
        self.receive = receive
        self.idle_timeout = idle_timeout
        self.label = label

    def start(self, state: list, valid_actions: Sequence[int]) -> int:
        return self._wait_for_move(valid_actions)

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int:
        return self._wait_for_move(valid_actions)

    def end(self, state: list, prev_reward: float) -> None:
        """Nothing to tell: the human sees the final board from the match's record."""

    def _wait_for_move(self, valid_actions: Sequence[int]) -> int:
        deadline = time.monotonic() + self.idle_timeout
        while True:
            try:
                action = self.receive(max(0.0, deadline - time.monotonic()))
            except HumanLeft:
                raise PlayerFailure("left the match") from None
            if action is None:
                raise PlayerFailure(f"made no move for {self.idle_timeout:g} s")
            # bool is an int to Python, never an action to the arena.
            if isinstance(action, int) and not isinstance(action, bool) and action in valid_actions:
                return action
