"""Submitting a zip: checked at once, stored as the next revision, its build enqueued."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from builder.submission import SubmissionError
from core.models import Revision
from core.submissions import submit_revision
from tests.builder.conftest import queued_tasks
from tests.builder.zips import RANDOM_PLAYER, zip_bytes
from tests.platform import factories

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _upload(entries: dict[str, str | bytes], name: str = "bot.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, zip_bytes(entries), content_type="application/zip")


def test_it_stores_consecutive_revisions():
    competitor = factories.competitor()
    first = submit_revision(competitor, _upload({"player.py": RANDOM_PLAYER}))
    second = submit_revision(competitor, _upload({"bot/player.py": RANDOM_PLAYER}))
    assert (first.version, second.version) == (1, 2)
    for revision in (first, second):
        revision.refresh_from_db()
        assert revision.image_state == Revision.IMAGE_SCHEDULED
        assert revision.test_state == Revision.TEST_PENDING
        assert revision.zip_file.name.startswith(
            f"submissions/{competitor.environment.slug}/{competitor.name}/{revision.version}-"
        )
    with second.zip_file.open("rb") as stored:
        assert stored.read() == zip_bytes({"bot/player.py": RANDOM_PLAYER})


def test_it_enqueues_the_build_when_the_revision_is_committed(
    redis_broker, django_capture_on_commit_callbacks
):
    def builds_queued(revision: Revision) -> int:
        return [(name, args) for name, args, _ in queued_tasks(redis_broker)].count(
            ("builder.tasks.build_revision", [revision.pk])
        )

    competitor = factories.competitor()
    with django_capture_on_commit_callbacks() as callbacks:
        revision = submit_revision(competitor, _upload({"player.py": RANDOM_PLAYER}))
        assert builds_queued(revision) == 0  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert builds_queued(revision) == 1


def test_it_accepts_a_plain_binary_file():
    competitor = factories.competitor()
    revision = submit_revision(competitor, io.BytesIO(zip_bytes({"player.py": RANDOM_PLAYER})))
    assert revision.version == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("bot.zip", b"not a zip"),
            r"^bot.zip is not a readable zip file \(File is not a zip file\): create it",
        ),
        (_upload({"main.py": "x"}), r"^the zip has no player.py at its root: put player.py"),
        (
            _upload({"player.py": RANDOM_PLAYER, "../escape.py": "x"}),
            r"^the zip holds a path going up, '../escape.py'",
        ),
        (
            _upload({"player.py": RANDOM_PLAYER, "environment.yml": "dependencies: [a\n"}),
            r"^environment.yml is not valid YAML at line 2 .*: fix it, or list",
        ),
    ],
    ids=["not-a-zip", "no-player", "path-going-up", "malformed-environment"],
)
def test_it_rejects_an_unusable_zip_before_storing_anything(upload, message):
    competitor = factories.competitor()
    with pytest.raises(SubmissionError, match=message):
        submit_revision(competitor, upload)
    assert not Revision.objects.filter(competitor=competitor).exists()


def test_it_takes_its_limits_from_the_settings(settings):
    settings.ARENA_ZIP_MAX_FILES = 2
    competitor = factories.competitor()
    upload = _upload({"player.py": RANDOM_PLAYER, "a.txt": "a", "b.txt": "b"})
    with pytest.raises(SubmissionError, match=r"^the zip holds 3 files, more than the 2 allowed"):
        submit_revision(competitor, upload)
