"""The outcomes of a match and of a duel, whose fault each is, and the points rule.

The one module that says how a duel is judged, as the 2019 arena judged it (docs/rules.md,
"One duel"):

- a match ends as a win, a draw, the error of the player who was to act (``PLAYER_1_ERROR`` /
  ``PLAYER_2_ERROR``: it crashed, hung, answered nonsense, broke the protocol, used too much
  memory), or ``OTHER_ERROR``, a failure of the arena alone (Docker unavailable, an image
  missing, a bug of ours), which is never charged to anyone;
- a player's effective wins are its wins plus its opponent's errors, each worth 2 points, and
  a draw is worth 1;
- a duel with any ``OTHER_ERROR`` is ``ERROR`` (played again later); otherwise the player with
  more points wins it, then the one with the greater score, else it is a ``DRAW``;
- a human match (a person against an agent) is one match told from the human's side: the
  human wins, the agent wins, a draw, the agent's error (the human wins by it) or the arena's;
  the human's own failure (leaving, no move in time) is no result: the match is abandoned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLAYER_1_WIN = "PLAYER_1_WIN"
PLAYER_2_WIN = "PLAYER_2_WIN"
DRAW = "DRAW"
PLAYER_1_ERROR = "PLAYER_1_ERROR"
PLAYER_2_ERROR = "PLAYER_2_ERROR"
OTHER_ERROR = "OTHER_ERROR"
MATCH_RESULTS = (PLAYER_1_WIN, PLAYER_2_WIN, DRAW, PLAYER_1_ERROR, PLAYER_2_ERROR, OTHER_ERROR)

ERROR = "ERROR"  # a duel the arena failed to play: retried, never ranked as played
DUEL_RESULTS = (PLAYER_1_WIN, PLAYER_2_WIN, DRAW, ERROR)

PLAYER_1, PLAYER_2, ARENA = "player 1", "player 2", "arena"
# Whose fault a match result is; None when nobody failed.
FAULT: Mapping[str, str | None] = {
    PLAYER_1_WIN: None,
    PLAYER_2_WIN: None,
    DRAW: None,
    PLAYER_1_ERROR: PLAYER_1,
    PLAYER_2_ERROR: PLAYER_2,
    OTHER_ERROR: ARENA,
}

# The duel's counter that each match result adds one to.
COUNTER: Mapping[str, str] = {
    PLAYER_1_WIN: "player_1_wins",
    PLAYER_2_WIN: "player_2_wins",
    DRAW: "draws",
    PLAYER_1_ERROR: "player_1_errors",
    PLAYER_2_ERROR: "player_2_errors",
    OTHER_ERROR: "other_errors",
}


def match_result(player_1_score: float) -> str:
    """The result of a match nobody failed, from player 1's score (its total minus player 2's)."""
    if player_1_score > 0:
        return PLAYER_1_WIN
    if player_1_score < 0:
        return PLAYER_2_WIN
    return DRAW


POINTS_PER_WIN = 2
POINTS_PER_DRAW = 1


def matches_won(tally: Mapping[str, Any]) -> tuple[int, int]:
    """Each player's matches won in a duel (its effective wins): its own wins and its
    opponent's errors, which award the match to the innocent side."""
    return (
        tally["player_1_wins"] + tally["player_2_errors"],
        tally["player_2_wins"] + tally["player_1_errors"],
    )


def points(tally: Mapping[str, Any]) -> tuple[int, int]:
    """Each player's points from a duel's counters: effective wins and draws."""
    draws = POINTS_PER_DRAW * tally["draws"]
    won_1, won_2 = matches_won(tally)
    return POINTS_PER_WIN * won_1 + draws, POINTS_PER_WIN * won_2 + draws


def duel_result(tally: Mapping[str, Any]) -> str:
    """The duel's result from its counters."""
    if tally["other_errors"]:
        return ERROR
    points_1, points_2 = points(tally)
    if points_1 != points_2:
        return PLAYER_1_WIN if points_1 > points_2 else PLAYER_2_WIN
    if tally["player_1_score"] != tally["player_2_score"]:
        return PLAYER_1_WIN if tally["player_1_score"] > tally["player_2_score"] else PLAYER_2_WIN
    return DRAW


HUMAN_WIN = "HUMAN_WIN"
AGENT_WIN = "AGENT_WIN"
AGENT_ERROR = "AGENT_ERROR"  # the agent crashed, timed out or chose an invalid action
ARENA_ERROR = "ARENA_ERROR"  # ours (Docker down...): nobody's fault
HUMAN_RESULTS = (HUMAN_WIN, AGENT_WIN, DRAW, AGENT_ERROR, ARENA_ERROR)
AGENT = "agent"
# Whose fault a human match's result is; None when nobody failed.
HUMAN_FAULT: Mapping[str, str | None] = {
    HUMAN_WIN: None,
    AGENT_WIN: None,
    DRAW: None,
    AGENT_ERROR: AGENT,
    ARENA_ERROR: ARENA,
}


def human_result(result: str, human_is_player_1: bool) -> str | None:
    """A match result told from the human's side; None when the human failed (left the match,
    or made no move in time): such a match is abandoned, with no result."""
    if human_is_player_1:
        human_win, agent_win, human_error, agent_error = (
            PLAYER_1_WIN, PLAYER_2_WIN, PLAYER_1_ERROR, PLAYER_2_ERROR
        )  # fmt: skip
    else:
        human_win, agent_win, human_error, agent_error = (
            PLAYER_2_WIN, PLAYER_1_WIN, PLAYER_2_ERROR, PLAYER_1_ERROR
        )  # fmt: skip
    told = {
        human_win: HUMAN_WIN,
        agent_win: AGENT_WIN,
        DRAW: DRAW,
        agent_error: AGENT_ERROR,
        OTHER_ERROR: ARENA_ERROR,
        human_error: None,
    }
    return told[result]
