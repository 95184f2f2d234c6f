"""The organisers' admin: every list with its game, filters and search; what the workers write
read-only (the admin cannot make a revision run without its sandbox, and a revision whose row
says it runs as a local process is refused anyway on an arena that does not allow that); and
the actions that re-run a duel, re-validate a revision and disable a competitor, through the
real pipeline."""

from __future__ import annotations

import contextlib

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from core.models import Duel, HumanMatch, Revision, Tournament
from duel_runner.sandboxes import open_revision
from run_duel.errors import ArenaError
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories
from tournament_manager.services import schedule_tournament

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


# --- The organisers' lists and actions -----------------------------------------------------


@pytest.fixture
def organiser() -> Client:
    client = Client()
    client.force_login(factories.user("organiser", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def played_in_place(settings, monkeypatch, django_capture_on_commit_callbacks):
    """What the pipeline sends runs at once, in this process (as in the embedded demo), with
    revisions that run as local processes: real validations and duels without Docker."""
    from core.celery import app

    settings.ARENA_ALLOW_PROCESS_SANDBOX = True
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _process_revision(name: str, player: str = "random", **fields) -> Revision:
    return factories.valid_revision(
        factories.competitor(name=name),
        image_name=str(EXAMPLE_PLAYERS / player),
        sandbox=Revision.SANDBOX_PROCESS,
        **fields,
    )


def test_every_list_has_its_game_filters_and_search(organiser):
    one, two = _process_revision("alpha"), _process_revision("beta")
    edition = schedule_tournament(one.competitor.environment, send=False)
    HumanMatch.objects.create(revision=one, user=factories.user(), human_first=True)
    for model in (
        "competitor",
        "revision",
        "duel",
        "tournament",
        "tournamentparticipant",
        "tournamentduel",
        "humanmatch",
        "apitoken",
        "apimove",
        "environment",
        "user",
    ):
        page = organiser.get(reverse(f"admin:core_{model}_changelist"))
        assert page.status_code == 200, model
        text = page.content.decode()
        assert 'id="searchbar"' in text, model
        if model not in ("apitoken", "environment", "user"):
            assert "Tic-tac-toe" in text or "tic-tac-toe" in text.lower(), model
            assert 'id="changelist-filter"' in text, model
    found = organiser.get(reverse("admin:core_duel_changelist"), {"q": "beta"})
    assert f">{edition.duels.get().pk}<" in found.content.decode()
    assert two.competitor.name in found.content.decode()
    nothing = organiser.get(reverse("admin:core_duel_changelist"), {"q": "nobody"})
    assert "0 duels" in nothing.content.decode()


def test_what_the_workers_write_is_read_only(organiser):
    one = _process_revision("alpha")
    _process_revision("beta")
    edition = schedule_tournament(one.competitor.environment, send=False)
    duel = edition.duels.get()
    page = organiser.get(reverse("admin:core_duel_change", args=[duel.pk])).content.decode()
    for field in ("state", "claim", "heartbeat", "worker", "attempts", "result", "record_file"):
        assert f'name="{field}"' not in page, field
    match = HumanMatch.objects.create(revision=one, user=factories.user(), human_first=True)
    page = organiser.get(reverse("admin:core_humanmatch_change", args=[match.pk])).content
    for field in ("claim", "heartbeat", "worker", "states", "actions"):
        assert f'name="{field}"'.encode() not in page, field


def test_rerun_plays_a_finished_duel_again_and_reranks_its_edition(organiser, played_in_place):
    one, two = _process_revision("alpha"), _process_revision("beta", "dummy")
    game = one.competitor.environment
    edition = schedule_tournament(game, send=False)
    duel = edition.duels.get()
    Duel.objects.filter(pk=duel.pk).update(
        state=Duel.FAILED, result="ERROR", error_msg="the worker's disk was full", attempts=3
    )
    duel.refresh_from_db()
    duel.log_1.save("old.log", ContentFile(b"the first attempt's log"))
    old_log = duel.log_1.name
    running = Duel.objects.create(
        environment=game,
        revision_1=two,
        revision_2=one,
        rules_version=1,
        num_matches=2,
        state=Duel.RUNNING,
    )
    with played_in_place():
        response = organiser.post(
            reverse("admin:core_duel_changelist"),
            {"action": "rerun_duels_action", "_selected_action": [duel.pk, running.pk]},
            follow=True,
        )
    text = response.content.decode()
    assert "1 duel(s) sent to be played again" in text
    assert "Skipped 1 running duel(s)" in text
    duel.refresh_from_db()
    assert duel.state == Duel.COMPLETED, duel.error_msg
    assert duel.attempts == 1 and duel.error_msg == ""
    assert duel.player_1_wins + duel.player_2_wins + duel.draws == duel.num_matches
    assert duel.record_file
    assert duel.log_1.name != old_log and not duel.log_1.storage.exists(old_log)
    edition.refresh_from_db()
    assert edition.state == Tournament.COMPLETED and edition.duels_done == 1
    running.refresh_from_db()
    assert running.state == Duel.RUNNING  # its worker's, untouched


def test_revalidate_runs_the_validation_again(organiser, played_in_place):
    failed = _process_revision(
        "flaky",
        test_state=Revision.TEST_FAILED,
        test_error="gave up after 3 attempts: the worker restarted",
        test_attempts=3,
    )
    unbuilt = _process_revision("unbuilt", image_state=Revision.IMAGE_FAILED)
    with played_in_place():
        response = organiser.post(
            reverse("admin:core_revision_changelist"),
            {"action": "revalidate_action", "_selected_action": [failed.pk, unbuilt.pk]},
            follow=True,
        )
    text = response.content.decode()
    assert "1 revision(s) sent to validation" in text
    assert "needs a new upload" in text
    failed.refresh_from_db()
    assert failed.test_state == Revision.TEST_COMPLETED, failed.test_error
    assert failed.test_attempts == 1 and failed.test_error == ""
    assert failed.test_duel and failed.test_duel["player_1_errors"] == 0
    unbuilt.refresh_from_db()
    assert unbuilt.test_state == Revision.TEST_COMPLETED and unbuilt.image_state == (
        Revision.IMAGE_FAILED
    )


def test_a_disabled_competitor_is_left_out_of_new_editions(organiser):
    one, two, three = (_process_revision(name) for name in ("alpha", "beta", "gamma"))
    game = one.competitor.environment
    first = schedule_tournament(game, send=False)
    assert first.participants.count() == 3
    response = organiser.post(
        reverse("admin:core_competitor_changelist"),
        {"action": "disable_competitors", "_selected_action": [three.competitor.pk]},
        follow=True,
    )
    assert "1 competitor(s) disabled" in response.content.decode()
    second = schedule_tournament(game, send=False)
    assert second is not None
    assert set(second.participants.values_list("revision_id", flat=True)) == {one.pk, two.pk}
    assert first.participants.count() == 3  # what was played stays
    assert schedule_tournament(game, send=False) is None  # nothing changed since
    organiser.post(
        reverse("admin:core_competitor_changelist"),
        {"action": "enable_competitors", "_selected_action": [three.competitor.pk]},
    )
    third = schedule_tournament(game, send=False)
    assert third is not None and third.participants.count() == 3
