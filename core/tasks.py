"""The periodic task (Celery beat) of the pipeline: the sweep for work whose worker died."""

from __future__ import annotations

from celery import shared_task

from core import pipeline


@shared_task(name="core.tasks.requeue_stuck_work")
def requeue_stuck_work() -> dict[str, int]:
    return pipeline.requeue_stuck_work()
