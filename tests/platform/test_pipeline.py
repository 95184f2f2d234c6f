"""core.pipeline: the next task of every state, by name; one backoff; the duel-finished hooks;
and eager sending by name (the embedded mode). That core imports no stage is an import
contract (pyproject.toml, `lint-imports`)."""

from __future__ import annotations

import pytest
from django.conf import settings

from core import pipeline
from core.celery import app
from core.models import Duel, Revision
from tests.platform import factories


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ({}, pipeline.BUILD),
        ({"image_state": Revision.IMAGE_RUNNING}, None),
        ({"image_state": Revision.IMAGE_FAILED}, None),
        (
            {"image_state": Revision.IMAGE_COMPLETED, "test_state": Revision.TEST_SCHEDULED},
            pipeline.VALIDATE,
        ),
        ({"image_state": Revision.IMAGE_COMPLETED, "test_state": Revision.TEST_RUNNING}, None),
        ({"image_state": Revision.IMAGE_COMPLETED, "test_state": Revision.TEST_FAILED}, None),
        (
            {"image_state": Revision.IMAGE_COMPLETED, "test_state": Revision.TEST_COMPLETED},
            pipeline.PUBLISH,
        ),
        (
            {
                "image_state": Revision.IMAGE_COMPLETED,
                "test_state": Revision.TEST_COMPLETED,
                "publish_state": Revision.PUBLISH_COMPLETED,
            },
            None,
        ),
    ],
)
def test_each_state_of_a_revision_has_its_next_task(states, expected):
    assert pipeline.next_task(Revision(**states)) == expected


def test_a_scheduled_duel_is_sent_to_be_played_and_no_other():
    assert pipeline.next_duel_task(Duel(state=Duel.SCHEDULED)) == pipeline.RUN_DUEL
    for state in (Duel.RUNNING, Duel.COMPLETED, Duel.FAILED):
        assert pipeline.next_duel_task(Duel(state=state)) is None


def test_the_names_are_those_the_workers_register():
    for name in (pipeline.BUILD, pipeline.VALIDATE, pipeline.PUBLISH, pipeline.RUN_DUEL):
        assert pipeline.task(name).name == name
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert pipeline.task(entry["task"]).name == entry["task"]
    with pytest.raises(KeyError):
        pipeline.task("builder.tasks.no_such_task")


def test_one_backoff_doubles_up_to_each_kind_s_cap():
    def delays(work: pipeline.Work) -> list[float]:
        return [pipeline.retry_delay(work, attempts) for attempts in range(1, 11)]

    assert delays(pipeline.BUILDS)[:4] == [10, 20, 40, 80] and delays(pipeline.BUILDS)[-1] == 600
    assert delays(pipeline.VALIDATIONS)[:3] == [10, 20, 40]
    assert delays(pipeline.DUELS)[:3] == [5, 10, 20] and delays(pipeline.DUELS)[-1] == 300
    assert delays(pipeline.PUBLISHING)[:3] == [30, 60, 120]
    assert delays(pipeline.PUBLISHING)[-1] == 1800


def test_the_attempt_caps_come_from_the_settings(settings):
    settings.ARENA_MAX_BUILD_ATTEMPTS = 2
    assert pipeline.may_retry(pipeline.BUILDS, 1)
    assert not pipeline.may_retry(pipeline.BUILDS, 2)
    settings.ARENA_PUBLISH_RETRIES = 0  # no retry: one attempt only
    assert not pipeline.may_retry(pipeline.PUBLISHING, 1)


@pytest.mark.django_db
def test_a_finished_duel_reaches_the_ranking_through_the_hook():
    from tournament_manager.services import schedule_tournament

    one = factories.valid_revision()
    factories.valid_revision()
    tournament = schedule_tournament(one.competitor.environment, send=False)
    duel = tournament.duels.get()
    Duel.objects.filter(pk=duel.pk).update(state=Duel.COMPLETED, result="DRAW")
    duel.refresh_from_db()
    pipeline.duel_finished(duel)  # as core.work.finish's ``then`` calls it
    tournament.refresh_from_db()
    assert tournament.duels_done == 1


@pytest.mark.django_db
def test_a_task_sent_by_name_runs_at_once_in_eager_mode(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The embedded demo has no broker: what the pipeline sends must run in place."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    revision = factories.valid_revision(image_state=Revision.IMAGE_SCHEDULED)
    revision.zip_file.name = "gone.zip"  # so the build fails at once, without Docker
    revision.save(update_fields=["zip_file"])
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.advance(revision)
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_FAILED
    assert "no longer in the arena's storage" in revision.image_error
