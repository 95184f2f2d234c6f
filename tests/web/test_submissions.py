"""The submit page: creating a competitor, uploading revisions, and every way to be refused."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.management.commands.arena_demo import zip_folder
from core.models import Competitor, Revision
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = pytest.mark.django_db

SUBMIT = "/submit/"


def make_zip(files: dict[str, bytes | str], name: str = "player.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def mine(owner) -> Competitor:
    return factories.competitor("tic-tac-toe", "my-bot", owner)


def upload(client: Client, competitor: Competitor | int, zip_file=None, **extra):
    pk = competitor if isinstance(competitor, int) else competitor.pk
    # Fields in the order the page sends them: the file last.
    data = {"action": "upload", "competitor": pk, **extra}
    if zip_file is not None:
        data["zip_file"] = zip_file
    return client.post(SUBMIT, data)


def field_errors(response, field: str) -> str:
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page, f"no error shown for {field}"
    return page.split(f'id="id_{field}_error"')[1].split("</ul>")[0]


def test_an_anonymous_visitor_is_sent_to_log_in(anonymous):
    for response in (anonymous.get(SUBMIT), anonymous.post(SUBMIT, {"action": "create"})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={SUBMIT}"


def test_it_states_the_limits_up_front(as_owner, mine, settings):
    settings.ARENA_ZIP_MAX_BYTES = 50 * 1024 * 1024
    settings.ARENA_ZIP_MAX_FILES = 300
    settings.ARENA_SUBMISSIONS_PER_HOUR = 7
    page = as_owner.get(SUBMIT).content.decode()
    assert "<strong>50 MB</strong> zipped" in page
    assert "<strong>300</strong> files" in page
    assert "<code>player.py</code> at the root" in page
    assert "<code>requirements.txt</code>" in page and "<code>environment.yml</code>" in page
    assert "<strong>7</strong> uploads per hour" in page
    assert 'data-max-bytes="52428800"' in page and "web/submit.js" in page
    assert 'enctype="multipart/form-data"' in page


def test_it_preselects_the_game_and_the_only_competitor_in_it(as_owner, mine):
    page = as_owner.get(f"{SUBMIT}?game=tic-tac-toe").content.decode()
    assert '<option value="tic-tac-toe" selected>' in page
    assert f'<option value="{mine.pk}" selected>' in page


def test_it_creates_a_competitor(as_owner, owner):
    page = as_owner.get(SUBMIT).content.decode()
    assert "Create a competitor first" in page
    response = as_owner.post(
        SUBMIT, {"action": "create", "game": "connect-four", "name": "deep-four", "is_public": "on"}
    )
    created = Competitor.objects.get(name="deep-four")
    assert (created.owner, created.environment.slug, created.is_public) == (
        owner,
        "connect-four",
        True,
    )
    assert response["Location"] == f"{SUBMIT}?competitor={created.pk}#upload"
    page = as_owner.get(response["Location"]).content.decode()
    assert "deep-four now plays Connect four" in page
    assert f'<option value="{created.pk}" selected>' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "My-Bot"},
            "name",
            "Tic-tac-toe already has a competitor named &#x27;My-Bot&#x27;",
        ),
        ({"name": "my bot!"}, "name", "Use only letters, digits, hyphens and underscores"),
        ({"name": ""}, "name", "Give the competitor a name."),
        ({"game": ""}, "game", "Choose the game this competitor plays."),
        ({"game": "chess"}, "game", "This game does not take submissions"),
    ],
)
def test_a_refused_competitor_says_why(as_stranger, mine, data, field, message):
    response = as_stranger.post(
        SUBMIT, {"action": "create", "game": "tic-tac-toe", "name": "x", **data}
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert Competitor.objects.count() == 1


def test_the_same_name_in_another_game_is_fine(as_stranger, mine):
    as_stranger.post(SUBMIT, {"action": "create", "game": "quarto", "name": "my-bot"})
    assert Competitor.objects.filter(name="my-bot").count() == 2


def test_it_uploads_revision_1_then_2_and_schedules_their_builds(
    as_owner, mine, django_capture_on_commit_callbacks
):
    for version in (1, 2):
        with django_capture_on_commit_callbacks() as callbacks:
            response = upload(as_owner, mine, zip_folder(EXAMPLE_PLAYERS / "random"))
        assert response["Location"] == reverse("revision", args=["tic-tac-toe", "my-bot", version])
        assert len(callbacks) == 1  # the build, sent to the broker once the rows are committed
    revisions = list(mine.revisions.order_by("version"))
    assert [r.version for r in revisions] == [1, 2]
    assert all(r.image_state == Revision.IMAGE_SCHEDULED for r in revisions)
    with revisions[1].zip_file.open("rb") as stored:
        assert "player.py" in zipfile.ZipFile(stored).namelist()
    page = as_owner.get(response["Location"]).content.decode()
    assert "Revision 2 of my-bot is received" in page
    assert "Waiting for a free builder" in page


@pytest.mark.parametrize(
    ("zip_file", "message"),
    [
        (
            SimpleUploadedFile("notes.txt", b"not a zip at all"),
            "notes.txt is not a readable zip file",
        ),
        (make_zip({"agent.py": "x = 1"}), "The zip has no player.py at its root"),
        (
            make_zip({"player.py": "", "environment.yml": "dependencies: [: nope"}),
            "environment.yml is not valid YAML at line 1",
        ),
        (make_zip({"../player.py": ""}), "The zip holds a path going up"),
        (SimpleUploadedFile("empty.zip", b""), "This file is empty"),
        (None, "Choose the zip file to upload."),
    ],
)
def test_a_refused_zip_says_why_next_to_the_field(as_owner, mine, zip_file, message):
    response = upload(as_owner, mine, zip_file)
    assert response.status_code == 200
    assert message in field_errors(response, "zip_file")
    assert not Revision.objects.exists()


def test_too_many_files_are_refused(as_owner, mine, settings):
    settings.ARENA_ZIP_MAX_FILES = 3
    response = upload(
        as_owner, mine, make_zip({f"f{i}.py": "" for i in range(4)} | {"player.py": ""})
    )
    assert "The zip holds 5 files, more than the 3 allowed" in field_errors(response, "zip_file")
    assert not Revision.objects.exists()


@pytest.mark.parametrize("size", [6 * 1024, 300 * 1024], ids=["just-above", "far-above"])
def test_a_too_large_upload_is_refused_without_being_kept(as_owner, mine, settings, size):
    settings.ARENA_ZIP_MAX_BYTES = 4 * 1024
    big = make_zip({"player.py": "", "weights.bin": os.urandom(size)})
    response = upload(as_owner, mine, big)
    assert response.status_code == 200
    errors = field_errors(response, "zip_file")
    assert "This zip is larger than the 4 KB allowed, so it was not uploaded" in errors
    # The competitor field, sent before the file, is still chosen.
    assert f'<option value="{mine.pk}" selected>' in response.content.decode()
    assert "zip_file" not in response.wsgi_request.FILES
    assert not Revision.objects.exists()


def test_the_rate_limit_says_when_to_come_back(as_owner, owner, mine, settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 2
    now = timezone.now()
    other = factories.competitor("quarto", owner=owner)
    factories.valid_revision(other, created=now - timedelta(minutes=70))  # out of the hour
    factories.valid_revision(mine, created=now - timedelta(minutes=45))
    assert upload(as_owner, mine, zip_folder(EXAMPLE_PLAYERS / "random")).status_code == 302

    response = upload(as_owner, mine, zip_folder(EXAMPLE_PLAYERS / "random"))
    assert response.status_code == 200
    comeback = timezone.localtime(now + timedelta(minutes=15))
    page = response.content.decode()
    assert "You uploaded 2 revisions in the last hour, the most allowed" in page
    assert re.search(rf"upload again at {comeback:%H:%M} UTC, in 1[45] minutes", page)
    assert mine.revisions.count() == 2
    # The page says so before the next try, too.
    assert "You uploaded 2 revisions in the last hour" in as_owner.get(SUBMIT).content.decode()


def test_someone_elses_revisions_do_not_count(as_owner, mine, stranger, settings):
    settings.ARENA_SUBMISSIONS_PER_HOUR = 1
    factories.valid_revision(factories.competitor(owner=stranger))
    assert upload(as_owner, mine, zip_folder(EXAMPLE_PLAYERS / "random")).status_code == 302


def test_uploading_to_someone_elses_competitor_is_refused(as_stranger, mine):
    response = upload(as_stranger, mine, zip_folder(EXAMPLE_PLAYERS / "random"))
    assert response.status_code == 200
    assert "You can only upload to one of your own competitors" in field_errors(
        response, "competitor"
    )
    assert not Revision.objects.exists()


def test_an_inactive_game_takes_no_upload(as_owner, mine):
    mine.environment.active = False
    mine.environment.save()
    response = upload(as_owner, mine, zip_folder(EXAMPLE_PLAYERS / "random"))
    assert "Tic-tac-toe takes no new submissions" in field_errors(response, "competitor")


def test_every_form_needs_its_csrf_token(owner, mine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = client.get(SUBMIT).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # upload, create, log out
    create = {"action": "create", "game": "quarto", "name": "q"}
    assert client.post(SUBMIT, create).status_code == 403
    assert upload(client, mine, zip_folder(EXAMPLE_PLAYERS / "random")).status_code == 403
    assert not Revision.objects.exists() and not Competitor.objects.filter(name="q").exists()

    token = client.cookies["csrftoken"].value
    assert client.post(SUBMIT, {**create, "csrfmiddlewaretoken": token}).status_code == 302
    response = client.post(
        SUBMIT,
        {
            "csrfmiddlewaretoken": token,
            "action": "upload",
            "competitor": mine.pk,
            "zip_file": zip_folder(EXAMPLE_PLAYERS / "random"),
        },
    )
    assert response.status_code == 302 and mine.revisions.count() == 1


def test_file_names_in_rejections_are_escaped(as_owner, mine):
    response = upload(as_owner, mine, make_zip({"../<script>alert(1)</script>.py": ""}))
    errors = field_errors(response, "zip_file")
    assert "<script>" not in errors and "&lt;script&gt;alert(1)&lt;/script&gt;" in errors
