"""The API's move, computed by a worker: the web container has no Docker socket."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import shared_task

from core.models import Revision
from duel_runner.sandboxes import open_player
from run_duel.errors import ArenaError, PlayerFailure

log = logging.getLogger(__name__)


# Its result is awaited by the web request (the only task that keeps one); not retried, not
# acknowledged late: once the request has given up, nobody wants the move any more.
@shared_task(name="web.api.tasks.compute_move", ignore_result=False, acks_late=False)
def compute_move(revision_id: int, state: list[float], valid_actions: list[int]) -> dict[str, Any]:
    """The revision's answer to start(state, valid_actions), run in its sandbox with its
    game's limits: ``{"action": n}`` or ``{"kind": "player"|"arena", "error": ...}``."""
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
            player = open_player(revision, "player 1", stack, **{"org.rl-arena.api-move": "1"})
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
