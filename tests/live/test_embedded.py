"""The embedded mode (no broker): the duel task publishes into this process's memory, and the
site's stream reads it there, as in `make demo`."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from core.models import Duel, Revision
from tests.conftest import EXAMPLE_PLAYERS, outside_any_event_loop
from tests.live.test_live_views import _events, _read
from tests.platform import factories


@pytest.fixture
def embedded(settings):
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Its players run as local processes, as in the demo, which allows them (open_player).
    settings.ARENA_ALLOW_PROCESS_SANDBOX = True


def test_a_duel_run_in_this_process_is_watched_from_its_memory(transactional_db, embedded):
    from duel_runner.tasks import run_duel_task

    folder = str(EXAMPLE_PLAYERS / "random")
    one = factories.valid_revision(image_name=folder, sandbox=Revision.SANDBOX_PROCESS)
    two = factories.valid_revision(image_name=folder, sandbox=Revision.SANDBOX_PROCESS)
    duel = Duel.objects.create(
        environment=one.competitor.environment,
        revision_1=one,
        revision_2=two,
        rules_version=1,
        num_matches=30,
    )

    def play() -> None:
        try:
            run_duel_task(duel.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=play)
    worker.start()
    try:
        # Connected before, during or after the duel: the stream ends with the duel's end.
        url = f"/duels/{duel.pk}/live/events"
        events = _events(outside_any_event_loop(lambda: _read(Client().get(url))))
    finally:
        worker.join(120)
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["duel_end", "end"]
    assert "move" in kinds and "match_end" in kinds
    duel.refresh_from_db()
    assert duel.state == Duel.COMPLETED and duel.matches_done == 30
