"""Competitor and revision pages, status.json and source downloads: who sees what."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Competitor, Environment, Revision, Tournament, TournamentParticipant
from tests.platform import factories

pytestmark = pytest.mark.django_db

SECRETS = ("SECRET-BUILD-ERROR", "SECRET-BUILD-LOG", "SECRET-TEST-ERROR", "SECRET-PLAYER-LOG")
VIEWERS = [("as_owner", True), ("as_staff", True), ("as_stranger", False), ("anonymous", False)]


def zip_bytes(files: dict[str, str] | None = None) -> bytes:
    """A zip whose bytes do not depend on the clock, so two calls compare equal."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"player.py": "class Player: ...\n"}).items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def revision(competitor: Competitor, **fields) -> Revision:
    """A revision with its zip in the storage, as submit_revision leaves it."""
    version = competitor.revisions.count() + 1
    row = Revision(competitor=competitor, version=version, **fields)
    row.zip_file.save("submission.zip", ContentFile(zip_bytes()), save=False)
    row.save()
    return row


def with_secrets(competitor: Competitor) -> Competitor:
    """v1 failed to build, v2 failed validation: every error and log holds a secret."""
    revision(
        competitor,
        image_state=Revision.IMAGE_FAILED,
        image_error="SECRET-BUILD-ERROR v1",
        image_log="SECRET-BUILD-LOG v1",
    )
    revision(
        competitor,
        image_state=Revision.IMAGE_COMPLETED,
        image_log="SECRET-BUILD-LOG v2",
        test_state=Revision.TEST_FAILED,
        test_error="SECRET-TEST-ERROR: invalid action 12",
        test_log_1="SECRET-PLAYER-LOG one",
        test_log_2="SECRET-PLAYER-LOG two",
    )
    return competitor


@pytest.fixture
def private(owner) -> Competitor:
    return with_secrets(factories.competitor("tic-tac-toe", "secret-bot", owner))


@pytest.fixture
def public(owner) -> Competitor:
    return with_secrets(factories.competitor("tic-tac-toe", "open-bot", owner, is_public=True))


def url(name: str, competitor: Competitor, *args) -> str:
    return reverse(name, args=[competitor.environment.slug, competitor.name, *args])


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS)
def test_it_shows_a_private_competitor_and_hides_its_secrets_from_others(
    request, private, viewer, sees
):
    response = request.getfixturevalue(viewer).get(url("competitor", private))
    page = response.content.decode()
    assert response.status_code == 200
    assert "secret-bot" in page and "private" in page and "owner" in page
    assert "v1" in page and "v2" in page and "build failed" in page and "validation failed" in page
    for secret in SECRETS:
        assert (secret in page) is sees, secret
    assert (url("revision-source", private, 2) in page) is sees


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS)
def test_it_shows_a_revision_page_and_hides_its_secrets_from_others(request, private, viewer, sees):
    client = request.getfixturevalue(viewer)
    page = client.get(url("revision", private, 2)).content.decode()
    assert "Validation" in page and "Failed" in page
    for secret in ("SECRET-TEST-ERROR", "SECRET-PLAYER-LOG one", "SECRET-PLAYER-LOG two"):
        assert (secret in page) is sees, secret
    page = client.get(url("revision", private, 1)).content.decode()
    assert ("SECRET-BUILD-ERROR v1" in page) is sees
    assert ("SECRET-BUILD-LOG v1" in page) is sees
    assert "Not run: there is no image" in page


@pytest.mark.parametrize("viewer", ["as_owner", "as_staff", "as_stranger", "anonymous"])
def test_it_shows_a_public_competitors_secrets_to_everyone(request, public, viewer):
    client = request.getfixturevalue(viewer)
    page = client.get(url("competitor", public)).content.decode()
    assert "public" in page
    for secret in SECRETS:
        assert secret in page, secret
    page = client.get(url("revision", public, 1)).content.decode()
    assert "SECRET-BUILD-ERROR v1" in page and "SECRET-BUILD-LOG v1" in page


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS)
def test_it_serves_a_private_source_to_its_owner_and_staff_only(request, private, viewer, sees):
    response = request.getfixturevalue(viewer).get(url("revision-source", private, 2))
    if not sees:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'attachment; filename="tic-tac-toe-secret-bot-v2.zip"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == zip_bytes()


@pytest.mark.parametrize("viewer", ["as_owner", "as_staff", "as_stranger", "anonymous"])
def test_it_serves_a_public_source_to_everyone(request, public, viewer):
    response = request.getfixturevalue(viewer).get(url("revision-source", public, 1))
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist() == [
        "player.py"
    ]


def test_a_missing_source_or_revision_is_404(as_owner, owner):
    competitor = factories.competitor(owner=owner)
    factories.valid_revision(competitor)  # its zip was never stored
    assert as_owner.get(url("revision-source", competitor, 1)).status_code == 404
    assert as_owner.get(url("revision-source", competitor, 7)).status_code == 404
    assert as_owner.get(url("revision", competitor, 7)).status_code == 404
    assert as_owner.get(url("revision-status", competitor, 7)).status_code == 404
    assert as_owner.get(reverse("competitor", args=["tic-tac-toe", "nobody"])).status_code == 404
    assert as_owner.get(reverse("competitor", args=["chess", competitor.name])).status_code == 404


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS)
def test_the_status_gives_errors_only_to_who_may_see_them(request, private, viewer, sees):
    data = request.getfixturevalue(viewer).get(url("revision-status", private, 2)).json()
    assert data["image_state"] == "IMAGE_COMPLETED"
    assert data["test_state"] == "TEST_FAILED"
    assert data["done"] is True
    assert [step["key"] for step in data["steps"]] == ["build", "validation"]
    if sees:
        assert data["errors"] == {
            "build": "",
            "validation": "SECRET-TEST-ERROR: invalid action 12",
        }
    else:
        assert data["errors"] is None
        assert "SECRET" not in str(data)


def test_a_revision_in_progress_is_followed_by_polling(anonymous, owner):
    competitor = factories.competitor(owner=owner, is_public=True)
    building = revision(competitor, image_state=Revision.IMAGE_RUNNING)
    page = anonymous.get(url("revision", competitor, 1)).content.decode()
    assert 'data-done="false"' in page and "web/revision.js" in page
    assert url("revision-status", competitor, 1) in page
    assert "Building the player" in page
    data = anonymous.get(url("revision-status", competitor, 1)).json()
    assert data["done"] is False and data["errors"] == {"build": "", "validation": ""}
    assert data["steps"][1]["explanation"] == "Starts once the image is built."

    building.image_state, building.test_state = Revision.IMAGE_COMPLETED, Revision.TEST_COMPLETED
    building.save()
    data = anonymous.get(url("revision-status", competitor, 1)).json()
    assert data["done"] is True
    assert "Passed" in data["steps"][1]["explanation"]
    page = anonymous.get(url("revision", competitor, 1)).content.decode()
    assert 'data-done="true"' in page
    assert reverse("game", args=["tic-tac-toe"]) in page  # the link to the leaderboard


def edition(game: str, number: int, ranks: dict[Revision, int | None]) -> Tournament:
    tournament = Tournament.objects.create(
        environment=Environment.objects.get(slug=game), edition=number
    )
    for rev, rank in ranks.items():
        TournamentParticipant.objects.create(tournament=tournament, revision=rev, rank=rank)
    return tournament


def test_it_plots_the_rank_in_each_edition(anonymous, owner):
    mine = factories.competitor("connect-four", "climber", owner)
    v1 = factories.valid_revision(mine)
    others = [factories.valid_revision(factories.competitor("connect-four")) for _ in range(2)]
    edition("connect-four", 1, {v1: 3, others[0]: 1, others[1]: 2})
    v2 = factories.valid_revision(mine)
    edition("connect-four", 2, {v2: 1, others[0]: 2, others[1]: 3})
    edition("connect-four", 3, {v2: None, others[0]: None})  # running: no rank yet
    page = anonymous.get(url("competitor", mine)).content.decode()
    svg = page.split('<svg class="rank-plot"')[1].split("</svg>")[0]
    assert svg.count("<circle") == 2
    assert "Edition 1: rank 3 of 3" in svg and "Edition 2: rank 1 of 3" in svg
    assert reverse("tournament", args=["connect-four", 2]) in svg
    assert "<polyline" in svg
    # The table beside it says the same in words, the running edition too.
    assert '3 <span class="muted">of 3</span>' in page
    assert "running" in page


def test_a_competitor_that_never_played_has_no_plot(anonymous, owner):
    competitor = factories.competitor(owner=owner)
    page = anonymous.get(url("competitor", competitor)).content.decode()
    assert "<svg" not in page and "Not in any edition yet" in page
    assert "No revision yet" in page


def test_what_people_typed_and_players_printed_is_escaped(as_staff, owner):
    owner.team = "<script>alert('team')</script>"
    owner.save()
    competitor = factories.competitor(owner=owner)
    revision(
        competitor,
        image_state=Revision.IMAGE_FAILED,
        image_error="<script>alert('error')</script>",
        image_log="<script>alert('log')</script>",
    )
    for page_url in (url("competitor", competitor), url("revision", competitor, 1)):
        page = as_staff.get(page_url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;error&#x27;)" in page
        assert "&lt;script&gt;alert(&#x27;log&#x27;)" in page
    page = as_staff.get(url("competitor", competitor)).content.decode()
    assert "&lt;script&gt;alert(&#x27;team&#x27;)" in page


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_its_queries_do_not_grow_with_revisions_and_editions(as_owner, owner):
    competitor = factories.competitor("quarto", "busy", owner)
    rival = factories.valid_revision(factories.competitor("quarto"))
    revision(competitor, image_log="log")
    edition("quarto", 1, {competitor.revisions.get(): 1, rival: 2})
    few = queries(as_owner, url("competitor", competitor))
    for number in range(2, 12):
        mine = revision(competitor, image_state="IMAGE_COMPLETED", test_state="TEST_COMPLETED")
        edition("quarto", number, {mine: number % 2 + 1, rival: 2 - number % 2})
    assert queries(as_owner, url("competitor", competitor)) == few
    assert queries(as_owner, url("revision", competitor, 5)) <= few


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS)
def test_behind_nginx_an_allowed_download_is_handed_to_nginx(
    request, private, viewer, sees, settings
):
    settings.MEDIA_ACCEL_PREFIX = "/internal-media/"
    response = request.getfixturevalue(viewer).get(url("revision-source", private, 2))
    if not sees:
        assert response.status_code == 404 and "X-Accel-Redirect" not in response
        return
    stored = private.revisions.get(version=2).zip_file.name
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/internal-media/{stored}"
    assert response.content == b""
    assert 'attachment; filename="tic-tac-toe-secret-bot-v2.zip"' in response["Content-Disposition"]
