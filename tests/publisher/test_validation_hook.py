"""A revision that passes validation is sent to the publisher, through the real validation
task (players run as local processes) and the test broker (Redis), which no worker reads."""

from __future__ import annotations

import shutil

import pytest

from core.models import Revision
from duel_runner.tasks import validate_revision
from tests.builder.conftest import queued_tasks
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture(autouse=True)
def process_sandbox_allowed(settings):
    # The players run as local processes here: allowed explicitly, as open_player requires.
    settings.ARENA_ALLOW_PROCESS_SANDBOX = True


def _validate(folder, redis_broker, capture) -> tuple[Revision, list]:
    revision = factories.valid_revision(
        test_state=Revision.TEST_SCHEDULED,
        image_name=str(folder),
        sandbox=Revision.SANDBOX_PROCESS,
    )
    with capture(execute=True):
        validate_revision.apply(args=[revision.pk])
    revision.refresh_from_db()
    sent = [
        args
        for name, args, _ in queued_tasks(redis_broker)
        if name == "publisher.tasks.publish_revision"
    ]
    return revision, sent


def test_a_valid_revision_is_sent_to_the_publisher(
    tmp_path, redis_broker, django_capture_on_commit_callbacks
):
    folder = shutil.copytree(EXAMPLE_PLAYERS / "random", tmp_path / "random")
    revision, sent = _validate(folder, redis_broker, django_capture_on_commit_callbacks)

    assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error
    assert [revision.pk] in sent


def test_a_rejected_revision_is_not(tmp_path, redis_broker, django_capture_on_commit_callbacks):
    hostile = EXAMPLE_PLAYERS / "hostile" / "invalid_action"
    folder = shutil.copytree(hostile, tmp_path / "invalid_action")
    revision, sent = _validate(folder, redis_broker, django_capture_on_commit_callbacks)

    assert revision.test_state == Revision.TEST_FAILED
    assert [revision.pk] not in sent
