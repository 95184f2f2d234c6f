"""The admin cannot make a revision run without its sandbox, and a revision whose row says it
runs as a local process is refused anyway on an arena that does not allow that."""

from __future__ import annotations

import contextlib

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Revision
from duel_runner.sandboxes import open_revision
from run_duel.errors import ArenaError
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_image_fields_read_only():
    admin = factories.user("root", is_staff=True, is_superuser=True)
    revision = factories.valid_revision(
        image_name="arena-player:1", image_digest="sha256:" + "a" * 64
    )
    client = Client()
    client.force_login(admin)
    address = reverse("admin:core_revision_change", args=[revision.pk])
    page = client.get(address).content.decode()
    assert 'name="image_name"' not in page and 'name="image_digest"' not in page
    assert 'name="sandbox"' not in page
    assert "arena-player:1" in page  # shown, not editable
    form = {
        "created_0": revision.created.strftime("%Y-%m-%d"),
        "created_1": revision.created.strftime("%H:%M:%S"),
        "publish_state": revision.publish_state,
        "publish_url": "",
        "publish_error": "",
    }
    response = client.post(
        address,
        {
            **form,
            "image_name": "/tmp/evil",
            "sandbox": Revision.SANDBOX_PROCESS,
            "image_digest": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    revision.refresh_from_db()
    assert revision.image_name == "arena-player:1"
    assert revision.sandbox == Revision.SANDBOX_DOCKER
    assert revision.image_digest == "sha256:" + "a" * 64


def test_a_process_revision_is_refused_unless_the_arena_allows_it(settings):
    revision = factories.valid_revision(
        image_name=str(EXAMPLE_PLAYERS / "dummy"), sandbox=Revision.SANDBOX_PROCESS
    )
    revision = Revision.objects.select_related("competitor__environment").get(pk=revision.pk)
    settings.ARENA_ALLOW_PROCESS_SANDBOX = False
    with contextlib.ExitStack() as stack, pytest.raises(ArenaError, match="does not allow"):
        open_revision(revision, "player 1", stack)
    settings.ARENA_ALLOW_PROCESS_SANDBOX = True
    with contextlib.ExitStack() as stack:
        player = open_revision(revision, "player 1", stack)
        player.open()
        assert player.start([0.0] * 9 + [1.0], [3, 5]) == 3
