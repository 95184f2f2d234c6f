"""Periodic tasks (Celery beat): new tournament editions, and work whose worker died."""

from __future__ import annotations

from celery import shared_task

from tournament_manager import services


@shared_task(name="tournament_manager.tasks.schedule_tournaments")
def schedule_tournaments() -> int:
    return len(services.schedule_all())


@shared_task(name="tournament_manager.tasks.requeue_stuck_work")
def requeue_stuck_work() -> dict[str, int]:
    return services.requeue_stuck_work()
