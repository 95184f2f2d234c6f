"""The Django project: settings, models, the Celery app, storage."""

from core.celery import app as celery_app

__all__ = ["celery_app"]
