"""The Celery app; its settings are the CELERY_* Django settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Everything goes to the default queue ("arena": builds, validations, duels) except the tasks
# someone waits for, which have queues of their own so they never wait behind duels: the API's
# moves (duel_runner.moves.MOVES_QUEUE), consumed by the compose worker with the arena queue.
# (Human matches go to "play", named where they are sent: duel_runner.human_matches.)
app.conf.task_routes = {"duel_runner.moves.compute_move": {"queue": "moves"}}
app.autodiscover_tasks()
