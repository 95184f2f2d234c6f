"""Notifications through the real broker and a real Celery worker: a build fails on the worker,
and its owner's mail and webhook follow from there, from tasks of their own.

The worker is another process: its mail goes to the console backend (the worker's log), its
webhook to a real HTTP server on loopback (allowed by the environment the worker starts with).
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.db import transaction

from core import pipeline
from core.models import Notification, Revision
from tests.conftest import wait_for
from tests.platform import factories
from tests.web.test_notifications import receiver  # noqa: F401 (a fixture)
from web import notifications

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_a_build_failing_on_a_worker_mails_and_posts_to_its_owner(
    celery_processes,
    monkeypatch,
    receiver,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    monkeypatch.setenv("ARENA_WEBHOOK_ALLOW_LOOPBACK", "true")  # the worker's environment
    monkeypatch.setenv("ARENA_SITE_URL", "https://arena.example")
    owner = factories.user("ada")
    owner.webhook_url = receiver.url
    owner.webhook_secret = notifications.new_webhook_secret()
    owner.save()
    competitor = factories.competitor(name="minimax", owner=owner)
    with transaction.atomic():
        revision = Revision.objects.create(
            competitor=competitor, version=1, zip_file="submissions/gone.zip"
        )
        pipeline.advance(revision)  # its build, on commit: fails at once, the zip is gone
    celery_processes.worker()

    def delivered() -> bool:
        return Notification.objects.filter(
            revision=revision, webhook_state=Notification.WEBHOOK_DELIVERED, mailed__isnull=False
        ).exists()

    wait_for(delivered, 120, message="the notification's mail and webhook")
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_FAILED
    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/arena"
    secret = owner.webhook_secret.encode()
    signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert headers["X-Arena-Signature"] == signature
    payload = json.loads(body)
    assert payload["event"] == "revision.failed"
    assert payload["revision"]["image_state"] == Revision.IMAGE_FAILED
    assert payload["url"].startswith("https://arena.example/games/tic-tac-toe/")
    log = (tmp_path / "worker1.log").read_text()
    assert "Subject: [RL Arena] minimax v1 (Tic-tac-toe) failed its build" in log
    assert "To: ada@example.com" in log
