"""The notification tasks (web.notifications): thin, found by Celery's autodiscovery.

They run on the workers, after the outcome they tell of is committed; none is part of the
flow of builds and duels, so none can hold it up.
"""

from __future__ import annotations

from celery import shared_task

from web import notifications


@shared_task(acks_late=True, name=notifications.NOTIFY_REVISION)
def notify_revision(revision_id: int) -> None:
    notifications.notify_revision(revision_id)


@shared_task(acks_late=True, name=notifications.NOTIFY_EDITION)
def notify_edition(tournament_id: int) -> None:
    notifications.notify_edition(tournament_id)


@shared_task(acks_late=True, name=notifications.SEND_MAIL, soft_time_limit=60, time_limit=90)
def send_notification_mail(notification_id: int) -> None:
    notifications.send_notification_mail(notification_id)


@shared_task(acks_late=True, name=notifications.DELIVER_WEBHOOK, soft_time_limit=60, time_limit=90)
def deliver_webhook(notification_id: int) -> None:
    notifications.deliver_webhook(notification_id)
