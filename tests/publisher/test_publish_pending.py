"""`manage.py publish_pending` sends what waited while publishing was off."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from console.management.commands.arena_demo import zip_folder
from core.models import Revision
from publisher.tasks import publish_revision
from tests.platform import factories

pytestmark = pytest.mark.django_db


def _revision(folder, competitor, **fields) -> Revision:
    revision = factories.valid_revision(competitor, **fields)
    revision.zip_file.save(f"{folder.name}.zip", zip_folder(folder))
    return revision


def _run(monkeypatch, capture, *args: str) -> tuple[str, list[int]]:
    sent = []

    def delay(revision_id):
        sent.append(revision_id)
        publish_revision.apply(args=[revision_id])

    monkeypatch.setattr(publish_revision, "delay", delay)
    out = io.StringIO()
    with capture(execute=True):
        call_command("publish_pending", *args, stdout=out)
    return out.getvalue(), sent


def test_it_publishes_the_backlog_once_publishing_is_on(
    settings, bare_repository, player_folder, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ARENA_PUBLISH_REPOSITORY = ""
    public = factories.competitor("connect-four", "open", is_public=True)
    waiting = [
        _revision(player_folder("v1", {"v": "1"}), public),
        _revision(player_folder("v2", {"v": "2"}), public),
    ]
    failing = _revision(player_folder("f"), factories.competitor(is_public=True))
    private = _revision(player_folder("p"), factories.competitor(is_public=False))
    unvalidated = _revision(player_folder("u"), public, test_state=Revision.TEST_FAILED)
    for revision in (*waiting, failing, private):
        publish_revision.apply(args=[revision.pk])  # as after their validation
    Revision.objects.filter(pk=failing.pk).update(publish_state=Revision.PUBLISH_FAILED)

    settings.ARENA_PUBLISH_REPOSITORY = str(bare_repository.path)
    out, sent = _run(monkeypatch, django_capture_on_commit_callbacks)

    assert out == "sent 2 revisions to publish\n"
    assert sent == [r.pk for r in waiting], "the oldest first, private and invalid left alone"
    states = dict(Revision.objects.values_list("pk", "publish_state"))
    assert [states[r.pk] for r in (*waiting, failing, private, unvalidated)] == [
        Revision.PUBLISH_COMPLETED,
        Revision.PUBLISH_COMPLETED,
        Revision.PUBLISH_FAILED,
        Revision.PUBLISH_SKIPPED,
        Revision.PUBLISH_SCHEDULED,
    ]
    assert bare_repository.read("connect-four/open/v") == "2"
    assert len(bare_repository.commits()) == 2

    out, sent = _run(monkeypatch, django_capture_on_commit_callbacks, "--retry-failed")
    assert out == "sent 1 revision to publish (1 of them had failed)\n"
    assert sent == [failing.pk]
    assert Revision.objects.get(pk=failing.pk).publish_state == Revision.PUBLISH_COMPLETED


def test_it_refuses_while_publishing_is_off(settings):
    settings.ARENA_PUBLISH_REPOSITORY = ""
    with pytest.raises(CommandError, match="publishing is off: set ARENA_PUBLISH_REPOSITORY"):
        call_command("publish_pending")
