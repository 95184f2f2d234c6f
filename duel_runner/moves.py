"""The API's move, computed by a worker: the web container has no Docker socket.

The website records the move (web.api.moves, its limits) and sends :func:`compute_move`; the
worker takes the row, asks the revision's player for start(state, valid_actions) in its
sandbox, and writes the outcome the website's poll reads.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

import environments
from core.models import ApiMove, Revision
from core.work import TIME_LIMIT_GRACE
from duel_runner.sandboxes import open_revision
from run_duel.duel import match_time_limit
from run_duel.errors import ArenaError, PlayerFailure

log = logging.getLogger(__name__)

# Its own queue (core/celery.py routes the task there, the compose worker consumes it): a
# move is short and someone is waiting for it, it must not wait behind a queue of duels.
MOVES_QUEUE = "moves"


# The longest an honest move can take in any game; past it the task is stopped (soft: the
# move is recorded as the arena's failure) or killed (hard), never left holding a worker.
MOVE_TIME_LIMIT = max(match_time_limit(slug) for slug in environments.slugs()) + TIME_LIMIT_GRACE


# Routed to its own queue (core/celery.py). Not retried, not acknowledged late: a move nobody
# took in time has expired (the task is sent with ``expires``), and a lost one is asked again
# by its client, which sees it expire.
@shared_task(
    name="duel_runner.moves.compute_move",
    acks_late=False,
    soft_time_limit=MOVE_TIME_LIMIT,
    time_limit=MOVE_TIME_LIMIT + TIME_LIMIT_GRACE,
)
def compute_move(move_id: str, state: list[float], valid_actions: list[int]) -> None:
    """Take the move and write its outcome: the revision's answer to start(state,
    valid_actions), run in its sandbox with its game's limits."""
    taken = ApiMove.objects.filter(pk=move_id, started__isnull=True, outcome__isnull=True)
    if not taken.update(started=timezone.now()):
        return  # a second delivery, or a move deleted with its token
    outcome = _outcome(ApiMove.objects.get(pk=move_id).revision_id, state, valid_actions)
    ApiMove.objects.filter(pk=move_id).update(outcome=outcome)


def _outcome(revision_id: int, state: list[float], valid_actions: list[int]) -> dict[str, Any]:
    """``{"action": n}`` or ``{"kind": "player"|"arena", "error": ..., "log_tail": ...}``."""
    revision = (
        Revision.objects.select_related("competitor__environment")
        .defer("image_log", "test_log_1", "test_log_2", "test_duel")
        .filter(pk=revision_id, test_state=Revision.TEST_COMPLETED)
        .first()
    )
    if revision is None or not revision.image_name:
        return {"kind": "arena", "error": "the revision is no longer available"}
    try:
        with contextlib.ExitStack() as stack:
            player = open_revision(revision, "player 1", stack, **{"org.rl-arena.api-move": "1"})
            player.open()
            action = player.start(state, valid_actions)
    except PlayerFailure as exc:
        return {"kind": "player", "error": f"{exc.summary} in start()", "log_tail": exc.log_tail}
    except ArenaError as exc:
        log.warning("the API move of revision %s hit an arena error: %s", revision_id, exc)
        return {"kind": "arena", "error": str(exc)}
    if action not in valid_actions:
        return {
            "kind": "player",
            "error": f"chose action {action}, which is not one of valid_actions, in start()",
            "log_tail": "",
        }
    return {"action": action}
