"""A megabyte of log never makes a megabyte page or API answer: the beginning and the end are
shown with a line naming what is left out and where the whole log is, downloadable by who may
read it (and by nobody else)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from core.models import Duel, Environment
from tests.api.conftest import client_with_token
from tests.api.privacy import body
from tests.platform import factories

pytestmark = pytest.mark.django_db

MEGABYTE_LOG = "".join(f"line {n}: the player printed this\n" for n in range(40_000))
BOUND = 200 * 1024  # far below the log, far above what a page needs around it


@pytest.fixture
def long_logs(owner):
    assert len(MEGABYTE_LOG) > 1_000_000
    revision = factories.valid_revision(
        factories.competitor(name="chatty", owner=owner),
        image_log=MEGABYTE_LOG,
        test_log_1=MEGABYTE_LOG,
        image_error="pip failed:\n" + MEGABYTE_LOG,
    )
    opponent = factories.valid_revision(factories.competitor(name="quiet"))
    duel = Duel.objects.create(
        environment=Environment.objects.get(slug="tic-tac-toe"),
        revision_1=revision,
        revision_2=opponent,
        rules_version=1,
        num_matches=2,
        state=Duel.COMPLETED,
    )
    duel.log_1.save(f"{duel.pk}-1.log", ContentFile(MEGABYTE_LOG.encode()), save=False)
    duel.save()
    return revision, duel


def test_pages_show_the_beginning_and_end_of_a_long_log(long_logs, as_owner):
    _, duel = long_logs
    pages = [
        reverse("revision", args=["tic-tac-toe", "chatty", 1]),
        reverse("competitor", args=["tic-tac-toe", "chatty"]),
        reverse("duel", args=[duel.pk]),
    ]
    for address in pages:
        page = as_owner.get(address).content.decode()
        assert len(page) < BOUND, address
        assert "line 0: the player" in page and "line 39999: the player" in page, address
        assert "not shown: the whole log is at " in page, address
    assert reverse("duel-log", args=[duel.pk, 1]) in as_owner.get(pages[2]).content.decode()


def test_the_api_shows_the_beginning_and_end_with_the_address_of_the_whole(long_logs, owner):
    _, duel = long_logs
    api = client_with_token(owner)
    answer = api.get("/api/v1/games/tic-tac-toe/competitors/chatty/revisions/1/")
    assert len(answer.content) < BOUND
    data = answer.json()
    whole = "http://testserver" + reverse(
        "revision-log", args=["tic-tac-toe", "chatty", 1, "build"]
    )
    assert f"not shown: the whole log is at {whole}" in data["image_log"]
    assert data["image_log"].endswith("line 39999: the player printed this\n")
    assert len(data["image_error"]) < 10_000 and data["image_error"].startswith("pip failed")
    answer = api.get(f"/api/v1/duels/{duel.pk}/")
    assert len(answer.content) < BOUND
    log_1 = answer.json()["log_1"]
    assert log_1.startswith("line 0:") and log_1.endswith("line 39999: the player printed this\n")
    assert "http://testserver" + reverse("duel-log", args=[duel.pk, 1]) in log_1


def test_the_whole_log_is_downloaded_by_who_may_read_it_only(
    long_logs, as_owner, as_stranger, anonymous
):
    _, duel = long_logs
    addresses = [
        reverse("duel-log", args=[duel.pk, 1]),
        reverse("revision-log", args=["tic-tac-toe", "chatty", 1, "build"]),
        reverse("revision-log", args=["tic-tac-toe", "chatty", 1, "validation-1"]),
    ]
    for address in addresses:
        response = as_owner.get(address)
        assert response.status_code == 200, address
        assert body(response) == MEGABYTE_LOG
        assert response["Content-Disposition"].startswith("attachment")
        for someone_else in (as_stranger, anonymous):
            assert someone_else.get(address).status_code == 404
    assert as_owner.get(reverse("duel-log", args=[duel.pk, 3])).status_code == 404
    missing = reverse("revision-log", args=["tic-tac-toe", "chatty", 1, "secrets"])
    assert as_owner.get(missing).status_code == 404
