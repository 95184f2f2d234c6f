"""Did a duel play again the same, move for move? The first difference between two records.

``arena rerun`` plays a duel of the server again on the participant's machine, with the same
players and seeds (:mod:`run_duel.seeds`), then asks :func:`first_divergence` whether the
two records agree. Records hold states, not actions: the actions are found from the states
(:func:`environments.notation.actions_between`) and said in the game's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from environments.notation import actions_between, describe_move
from run_duel.outcomes import PLAYER_1_ERROR, PLAYER_2_ERROR


@dataclass(frozen=True)
class Divergence:
    """Where a replayed match first differs from its record."""

    match: int  # 1-based, as on the duel page
    ply: int  # the move number within the match, 1-based; past the last move for a result
    player: int | None  # 1 or 2, who played differently; None when only the result differs
    server: str  # what the record says happened there ("played b2", "ended: DRAW")
    local: str  # what happened in the replay


def first_divergence(
    environment: str,
    server: Sequence[tuple[int, dict[str, Any]]],
    local: Sequence[dict[str, Any]],
) -> Divergence | None:
    """The first difference between the server's matches (``(number, record)`` pairs, in
    order) and the local replay's matches (same order), or None when all agree."""
    for (number, recorded), replayed in zip(server, local, strict=True):
        found = match_divergence(environment, number, recorded, replayed)
        if found is not None:
            return found
    return None


def match_divergence(
    environment: str, number: int, server: dict[str, Any], local: dict[str, Any]
) -> Divergence | None:
    """The first move (or, all moves equal, the result) where two records of match ``number``
    differ; None when they agree."""
    first = 1 if server.get("first_player", "PLAYER_1") == "PLAYER_1" else 2
    ours, theirs = _states(server), _states(local)
    for ply in range(1, max(len(ours), len(theirs))):
        if ply < len(ours) and ply < len(theirs) and ours[ply] == theirs[ply]:
            continue
        mover = first if ply % 2 == 1 else 3 - first
        return Divergence(
            number,
            ply,
            mover,
            _what_happened(environment, server, ours, ply, mover),
            _what_happened(environment, local, theirs, ply, mover),
        )
    if server.get("result") != local.get("result"):
        ply = len(ours)
        return Divergence(
            number, ply, None, f"ended: {server.get('result')}", f"ended: {local.get('result')}"
        )
    return None


def _states(match: dict[str, Any]) -> list[list[float]]:
    # JSON may give 1 where the arena recorded 1.0: compare the numbers, not their types.
    return [[float(x) for x in state] for state in match.get("states") or []]


def _what_happened(
    environment: str, match: dict[str, Any], states: list[list[float]], ply: int, mover: int
) -> str:
    """The move ``ply`` of this record in words, or why there is none."""
    if ply < len(states):
        action = actions_between(environment, states[: ply + 1])[-1]
        if action is None:
            return "made a move the rules do not allow from the position before"
        return f"played {describe_move(environment, states[ply - 1], action)} (action {action})"
    result = match.get("result")
    if result == (PLAYER_1_ERROR if mover == 1 else PLAYER_2_ERROR):
        error = (match.get("error_msg") or "").strip().splitlines()
        return f"failed: {error[0]}" if error else "failed"
    return f"made no move: the match ended ({result})"
