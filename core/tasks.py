"""The periodic task (Celery beat) of the pipeline: the sweep for work whose worker died."""

from __future__ import annotations

from celery import shared_task

from core import pipeline


# The name it had when the sweep lived in tournament_manager, kept so that a beat schedule or
# a queued message of a running deployment still reaches it.
@shared_task(name="tournament_manager.tasks.requeue_stuck_work")
def requeue_stuck_work() -> dict[str, int]:
    return pipeline.requeue_stuck_work()
