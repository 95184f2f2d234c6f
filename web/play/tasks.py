"""The Celery task holding a human match's sandbox, on its own queue so duels never wait."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

import environments
from core.work import TIME_LIMIT_GRACE
from run_duel.duel import match_time_limit
from web.play.backends import redis_waiter
from web.play.engine import play_human_match

PLAY_QUEUE = "play"  # sent there by web.play.backends.start; the compose worker consumes it


# The longest an honest human match can last in any game: the human may think up to the idle
# timeout before each move. Past it the task is stopped, never left holding a sandbox.
MATCH_TIME_LIMIT = (
    max(match_time_limit(s, settings.ARENA_PLAY_IDLE_TIMEOUT) for s in environments.slugs())
    + TIME_LIMIT_GRACE
)


# Acknowledged at once: the match lives as long as the human plays, and a redelivered copy
# would find the row taken anyway.
@shared_task(
    name="play.tasks.run_human_match",
    acks_late=False,
    soft_time_limit=MATCH_TIME_LIMIT,
    time_limit=MATCH_TIME_LIMIT + TIME_LIMIT_GRACE,
)
def run_human_match(match_id: int) -> None:
    play_human_match(match_id, redis_waiter(match_id))
