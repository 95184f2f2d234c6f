"""Celery tasks that run players: the validation of a revision and the duels of tournaments."""
