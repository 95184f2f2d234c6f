"""Creating competitors and uploading revisions with a token: the website's checks, limits,
rate limit (web.services) and tasks, answered in JSON."""

from __future__ import annotations

import pytest
from django.test import override_settings

from console.management.commands.arena_demo import zip_folder
from core.models import Competitor, Revision
from tests.builder.zips import zip_bytes
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = pytest.mark.django_db

COMPETITORS = "/api/v1/games/tic-tac-toe/competitors/"


def _upload(client, name: str, data: bytes | None = None, filename: str = "player.zip"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if data is None:
        data = zip_folder(EXAMPLE_PLAYERS / "random").read()
    zip_file = SimpleUploadedFile(filename, data, content_type="application/zip")
    return client.post(f"{COMPETITORS}{name}/revisions/", {"zip_file": zip_file})


def test_it_creates_a_competitor(owner, as_owner):
    response = as_owner.post(
        COMPETITORS, {"name": "my-bot", "is_public": True}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == "owner" and response.json()["is_public"] is True
    assert response["Location"] == f"{COMPETITORS}my-bot/"
    assert Competitor.objects.get(name="my-bot").owner == owner


def test_it_refuses_a_taken_or_malformed_name_with_the_websites_words(as_owner, as_stranger):
    as_stranger.post(COMPETITORS, {"name": "taken"}, content_type="application/json")
    for name, words in (("TAKEN", "already has a competitor"), ("has space", "Use only letters")):
        response = as_owner.post(COMPETITORS, {"name": name}, content_type="application/json")
        assert response.status_code == 400
        assert words in response.json()["error"], response.json()
        assert response.json()["fields"]["name"]


def test_it_needs_a_token_to_create(anonymous):
    response = anonymous.post(COMPETITORS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 401 and "API token" in response.json()["error"]


def test_it_uploads_a_revision_and_schedules_its_build(
    owner, as_owner, django_capture_on_commit_callbacks
):
    factories.competitor(name="mine", owner=owner)
    with django_capture_on_commit_callbacks() as scheduled:
        response = _upload(as_owner, "mine")
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 1
    assert response.json()["image_state"] == Revision.IMAGE_SCHEDULED
    assert response["Location"].endswith("/competitors/mine/revisions/1/")
    assert len(scheduled) == 1  # builder.tasks.build_revision, as from the website
    assert _upload(as_owner, "mine").json()["version"] == 2


def test_it_explains_a_rejected_zip(owner, as_owner):
    factories.competitor(name="mine", owner=owner)
    response = _upload(as_owner, "mine", zip_bytes({"main.py": "print(1)"}))
    assert response.status_code == 400
    assert "player.py" in response.json()["error"]
    assert _upload(as_owner, "mine", b"not a zip").status_code == 400
    assert not Revision.objects.exists()


def test_it_refuses_an_upload_to_someone_elses_competitor(as_stranger, owner):
    factories.competitor(name="mine", owner=owner)
    response = _upload(as_stranger, "mine")
    assert response.status_code == 403 and "belongs to someone else" in response.json()["error"]


def test_it_says_how_to_send_the_zip(owner, as_owner):
    factories.competitor(name="mine", owner=owner)
    response = as_owner.post(f"{COMPETITORS}mine/revisions/", {"other": "x"})
    assert response.status_code == 400 and "zip_file" in response.json()["error"]


@override_settings(ARENA_ZIP_MAX_BYTES=2048)
def test_it_refuses_a_zip_over_the_size_limit(owner, as_owner):
    factories.competitor(name="mine", owner=owner)
    response = _upload(as_owner, "mine", b"x" * 200_000)
    assert response.status_code == 413 and "larger than" in response.json()["error"]


@override_settings(ARENA_SUBMISSIONS_PER_HOUR=1)
def test_it_applies_the_websites_rate_limit(owner, as_owner):
    factories.competitor(name="mine", owner=owner)
    assert _upload(as_owner, "mine").status_code == 201
    response = _upload(as_owner, "mine")
    assert response.status_code == 429
    assert "in the last hour" in response.json()["error"]
    assert int(response["Retry-After"]) > 0
