"""Submitting a zip: checked at once, stored as the next revision, its build enqueued."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from builder.models import RefusedUpload
from builder.submission import SubmissionError
from core.models import Revision
from tests.builder.conftest import queued_tasks
from tests.builder.zips import RANDOM_PLAYER, folder_flood, zip_bytes
from tests.platform import factories
from web.services import (
    UploadRateLimited,
    check_counted_upload,
    next_submission_at,
    submit_revision,
)

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


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            {"./player.py": RANDOM_PLAYER, "./requirements.txt": "# x\n" * 300_000},
            r"^requirements.txt is 1.1 MB, more than the 1 MB allowed",
        ),
        (
            {"player.py": RANDOM_PLAYER, "requirements.txt": "numpy\0"},
            r"^requirements.txt holds NUL bytes, so it is not a text file",
        ),
        (
            {"player.py": RANDOM_PLAYER, "lib": "x", "lib/a.py": "x"},
            r"^the zip holds 'lib' both as a file and as a folder",
        ),
    ],
    ids=["dot-slash-requirements", "nul-requirements", "file-and-folder"],
)
def test_hostile_zips_are_refused_before_storing_anything(entries, message):
    competitor = factories.competitor()
    with pytest.raises(SubmissionError, match=message):
        submit_revision(competitor, _upload(entries))
    assert not Revision.objects.filter(competitor=competitor).exists()


def test_a_million_folders_are_refused_at_upload(tmp_path):
    competitor = factories.competitor()
    flood = folder_flood(tmp_path / "flood.zip")
    refused = pytest.raises(SubmissionError, match=r"^the zip holds 1000000 files, more than")
    with open(flood, "rb") as upload, refused:
        submit_revision(competitor, upload)


# --- The rate limit: refused zips take their slot of the hour --------------------------------


def test_refused_zips_count_towards_the_rate_limit(settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 2
    competitor = factories.competitor()
    for _ in range(2):
        with pytest.raises(SubmissionError, match=r"^the zip has no player.py"):
            check_counted_upload(competitor, _upload({"main.py": "x"}))
    assert RefusedUpload.objects.filter(owner=competitor.owner).count() == 2
    # The hour is full: even a good zip waits, and a hostile one is not checked at all.
    for entries in ({"player.py": RANDOM_PLAYER}, {"main.py": "x"}):
        with pytest.raises(UploadRateLimited) as limited:
            check_counted_upload(competitor, _upload(entries))
        assert re.match(
            r"^You uploaded 2 zips in the last hour, 2 of them refused, the most allowed: you "
            r"can upload again at \d\d:\d\d UTC, in 60 minutes\.$",
            str(limited.value),
        )
    assert RefusedUpload.objects.filter(owner=competitor.owner).count() == 2
    assert next_submission_at(competitor.owner) == limited.value.at


def test_stored_and_refused_uploads_share_the_hour(settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 2
    competitor = factories.competitor()
    check_counted_upload(competitor, _upload({"player.py": RANDOM_PLAYER}))  # passes: no row
    submit_revision(competitor, _upload({"player.py": RANDOM_PLAYER}))
    with pytest.raises(SubmissionError):
        check_counted_upload(competitor, _upload({"main.py": "x"}))
    with pytest.raises(UploadRateLimited, match=r"^You uploaded 2 zips in the last hour, 1 of"):
        check_counted_upload(competitor, _upload({"player.py": RANDOM_PLAYER}))


def test_refusals_older_than_the_hour_or_of_someone_else_do_not_count(settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 1
    competitor = factories.competitor()
    old = RefusedUpload.objects.create(
        owner=competitor.owner, created=timezone.now() - timedelta(minutes=61), reason="old"
    )
    RefusedUpload.objects.create(owner=factories.user(), reason="someone else's")
    assert next_submission_at(competitor.owner) is None
    with pytest.raises(SubmissionError):
        check_counted_upload(competitor, _upload({"main.py": "x"}))
    # Recording a refusal drops the owner's rows the hour no longer counts.
    assert not RefusedUpload.objects.filter(pk=old.pk).exists()
    refusal = RefusedUpload.objects.get(owner=competitor.owner)
    assert refusal.competitor == competitor
    assert refusal.reason.startswith("the zip has no player.py at its root")


def test_the_website_counts_refused_zips(owner, as_owner, settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 2
    mine = factories.competitor(owner=owner)

    def upload(entries: dict[str, str]) -> str:
        data = {"action": "upload", "competitor": mine.pk, "zip_file": _upload(entries)}
        response = as_owner.post("/submit/", data)
        assert response.status_code == 200
        return response.content.decode()

    for _ in range(2):
        assert "The zip has no player.py at its root" in upload({"main.py": "x"})
    page = upload({"player.py": RANDOM_PLAYER})
    assert "You uploaded 2 zips in the last hour, 2 of them refused, the most allowed" in page
    assert not mine.revisions.exists()


def test_the_api_counts_refused_zips(owner, settings):
    from tests.api.conftest import client_with_token

    settings.ARENA_SUBMISSIONS_PER_HOUR = 2
    mine = factories.competitor(owner=owner)
    api = client_with_token(owner)
    address = f"/api/v1/games/{mine.environment.slug}/competitors/{mine.name}/revisions/"
    for _ in range(2):
        refused = api.post(address, {"zip_file": _upload({"main.py": "x"})})
        assert refused.status_code == 400
        assert "The zip has no player.py at its root" in refused.json()["error"]
    limited = api.post(address, {"zip_file": _upload({"player.py": RANDOM_PLAYER})})
    # 400 from the form's check; web/api/views.py answers 429 only for its own count.
    assert limited.status_code in (400, 429)
    assert "You uploaded 2 zips in the last hour, 2 of them refused" in limited.json()["error"]
    assert not mine.revisions.exists()
