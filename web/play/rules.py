"""The rules side of a human match, without Django: replaying the moves, whose turn it is,
checking the human's move, and the result. The game itself is ``environments``' fast API; the
results and how a match is scored are :mod:`run_duel.outcomes`'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import environments
from environments import Game, InvalidActionError
from run_duel.outcomes import AGENT_WIN, DRAW, HUMAN_WIN, human_result, match_result

__all__ = [
    "AGENT_WIN",
    "DRAW",
    "HUMAN_WIN",
    "IllegalMove",
    "Outcome",
    "check_move",
    "human_side",
    "humans_turn",
    "outcome",
    "replay",
]


class IllegalMove(ValueError):
    """The human's move cannot be played now; the message says why, for the page."""


def replay(slug: str, actions: Sequence[int]) -> Game:
    """The game after ``actions``, from the start position."""
    game = environments.new_game(slug)
    for action in actions:
        game.play(action)
    return game


def human_side(human_first: bool) -> int:
    """The human's index in the game's numbering (0 moves first)."""
    return 0 if human_first else 1


def humans_turn(game: Game, human_first: bool) -> bool:
    return not game.done and game.to_move == human_side(human_first)


def check_move(game: Game, human_first: bool, action: object) -> int:
    """The human's action as an int if it is legal now; :class:`IllegalMove` otherwise."""
    if game.done:
        raise IllegalMove("the match is over")
    if not humans_turn(game, human_first):
        raise IllegalMove("it is the agent's turn: wait for its move")
    if isinstance(action, bool) or not isinstance(action, int):
        raise IllegalMove(f"the action must be an integer, not {action!r:.40}")
    if action not in game.legal_actions():
        try:
            game.copy().play(action)
        except InvalidActionError as exc:
            raise IllegalMove(f"action {action} is not valid: {exc.reason}") from None
        raise IllegalMove(f"action {action} is not valid")
    return action


@dataclass(frozen=True)
class Outcome:
    result: str
    human_score: float


def outcome(rewards: Sequence[float], human_first: bool) -> Outcome:
    """Who won a finished match, from its rewards: scored as a duel scores its matches.

    The three games alternate strictly (Quarto's automatic last placement ends the game), so
    the mover of the i-th action is i % 2 in the game's numbering.
    """
    totals = [0.0, 0.0]
    for i, reward in enumerate(rewards):
        totals[i % 2] += reward
    side = human_side(human_first)
    score = totals[side] - totals[1 - side]
    # The human's score is player 1's of the match, as the worker plays it.
    result = human_result(match_result(score), human_is_player_1=True)
    assert result is not None  # nobody failed: a win or a draw
    return Outcome(result, score)
