"""The periodic task (Celery beat) that forms new tournament editions."""

from __future__ import annotations

from celery import shared_task

from tournament_manager import services


@shared_task(name="tournament_manager.tasks.schedule_tournaments")
def schedule_tournaments() -> int:
    return len(services.schedule_all())
