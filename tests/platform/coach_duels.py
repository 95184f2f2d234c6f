"""Completed tic-tac-toe duels with hand-made matches, for the coach's platform, web and API
tests: the record written through the storage as duel_runner.tasks does, no Docker."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile

import environments
from core.models import Duel, Environment, Revision
from tests.platform import factories

# X a1, O b1 (the blunder: only the centre draws), X b2, O c3, X a2, O a3, X c2: X wins.
BLUNDER_GAME = [0, 1, 4, 8, 3, 6, 5]
# X b2, O a1, X c1, O a3, X a2, O c2, X b1, O b3, X c3: a draw without a mistake.
PERFECT_GAME = [4, 0, 2, 6, 3, 5, 1, 7, 8]


def match(first: int, actions: list[int]) -> dict[str, Any]:
    game = environments.new_game("tic-tac-toe")
    game.reset()
    states, reward = [game.state()], 0.0
    for action in actions:
        reward = game.play(action)
        states.append(game.state())
    last_mover = first if len(actions) % 2 == 1 else 3 - first
    scores = {1: 0.0, 2: 0.0}
    scores[last_mover], scores[3 - last_mover] = reward, -reward
    result = "DRAW" if reward == 0 else f"PLAYER_{last_mover}_WIN"
    return {
        "result": result,
        "error_msg": "",
        "player_1_score": scores[1],
        "player_2_score": scores[2],
        "first_player": f"PLAYER_{first}",
        "states": states,
        "move_seconds": [0.001] * len(actions),
    }


def record(*games: list[int]) -> dict[str, Any]:
    """A duel record of ``games`` (actions), player 1 moving first in odd matches."""
    matches = [match(1 if n % 2 == 0 else 2, actions) for n, actions in enumerate(games)]
    wins = {side: sum(m["result"] == f"PLAYER_{side}_WIN" for m in matches) for side in (1, 2)}
    return {
        "result": "DRAW" if wins[1] == wins[2] else f"PLAYER_{1 if wins[1] > wins[2] else 2}_WIN",
        "error_msg": "",
        "num_matches": len(matches),
        "player_1_errors": 0,
        "player_2_errors": 0,
        "other_errors": 0,
        "player_1_wins": wins[1],
        "player_2_wins": wins[2],
        "draws": sum(m["result"] == "DRAW" for m in matches),
        "player_1_score": sum(m["player_1_score"] for m in matches),
        "player_2_score": sum(m["player_2_score"] for m in matches),
        "matches": matches,
        "environment": "tic-tac-toe",
        "rules_version": 1,
    }


def completed_duel(
    revision_1: Revision | None = None,
    revision_2: Revision | None = None,
    games: tuple[list[int], ...] = (PERFECT_GAME, BLUNDER_GAME),
    state: str = Duel.COMPLETED,
) -> Duel:
    """A finished duel row and its record file. With the default games, match 2 (player 2
    first) holds player 1's blunder b1 at step 1."""
    revision_1 = revision_1 or factories.valid_revision()
    revision_2 = revision_2 or factories.valid_revision()
    data = record(*games)
    duel = Duel.objects.create(
        environment=Environment.objects.get(slug="tic-tac-toe"),
        revision_1=revision_1,
        revision_2=revision_2,
        rules_version=1,
        num_matches=len(games),
        matches_done=len(games),
        state=state,
        result=data["result"],
        **{key: data[key] for key in Duel.COUNTERS},
    )
    duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(data).encode()), False)
    duel.save(update_fields=["record_file"])
    return duel


def revision_of(name: str, public: bool = True, **fields: Any) -> Revision:
    return factories.valid_revision(factories.competitor(name=name, is_public=public, **fields))


__all__ = ["BLUNDER_GAME", "PERFECT_GAME", "completed_duel", "record", "revision_of"]
