"""The Celery task holding a human match's sandbox, on its own queue so duels never wait."""

from __future__ import annotations

from celery import shared_task

from web.play.backends import redis_waiter
from web.play.engine import play_human_match

PLAY_QUEUE = "play"  # sent there by web.play.backends.start; the compose worker consumes it


# Acknowledged at once: the match lives as long as the human plays, and a redelivered copy
# would find the row taken anyway.
@shared_task(name="play.tasks.run_human_match", acks_late=False)
def run_human_match(match_id: int) -> None:
    play_human_match(match_id, redis_waiter(match_id))
