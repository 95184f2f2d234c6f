"""Settings for the test run: the real services of the machine, isolated by name.

PostgreSQL and Redis are the machine's (127.0.0.1); pytest-django creates the database
``test_arena``, Redis database 15 is the test broker, and files go to a temporary folder.
Any of these can be pointed elsewhere with the same environment variables as production.
"""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arena")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("ARENA_VAR_DIR", tempfile.mkdtemp(prefix="arena-test-var-"))
os.environ.setdefault("ARENA_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("ARENA_VALIDATION_MATCHES", "4")
os.environ.setdefault("ARENA_DUEL_MATCHES", "6")
os.environ.setdefault("ARENA_STUCK_AFTER", "20")
os.environ.setdefault("ARENA_HEARTBEAT_INTERVAL", "1")
os.environ.setdefault("ARENA_BROKER_VISIBILITY_TIMEOUT", "30")
os.environ.setdefault("ARENA_REQUEUE_INTERVAL", "3")
os.environ.setdefault("ARENA_SCHEDULE_INTERVAL", "1")
# An edition is its round robin, unless a test asks for extra duels between tied neighbours
# (tests/platform/test_confidence.py): the other tests count an edition's duels.
os.environ.setdefault("ARENA_EXTRA_DUELS_PER_EDITION", "0")
# The coach analyses every completed duel on the workers: a few seconds at most in the tests.
os.environ.setdefault("ARENA_COACH_SECONDS_PER_DUEL", "2")

from core.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
