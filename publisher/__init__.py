"""Publishes the source of public revisions to a git repository, as ``<game>/<competitor>/``.

The pure part, :mod:`publisher.git`, knows nothing of Django: it keeps a clone of the
repository, replaces one folder, commits and pushes, safely when several workers publish at
once. ``tasks.py`` is the Celery task that does it for a validated revision and records the
outcome; ``manage.py publish_pending`` sends the revisions that waited while publishing was
off (ARENA_PUBLISH_REPOSITORY empty).
"""
