"""core.pipeline: the next task of every state, by name; one backoff; the duel-finished hooks;
and core, below the stages, importing none of them."""

from __future__ import annotations

import ast

import pytest
from django.conf import settings

from core import pipeline
from core.celery import app
from core.models import Duel, Revision
from tests.conftest import ROOT
from tests.platform import factories

STAGES = ("builder", "duel_runner", "publisher", "tournament_manager", "web", "console")


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


def _imported_modules(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


# builder.submission is the builder's pure zip handling (no Django), below core and the stages.
ALLOWED = {"builder.submission"}
# Left for now: the upload rate limit's model (builder.models.RefusedUpload), and the build's
# choice of sandbox (duel_runner.sandboxes), which the sandbox factory replaces.
PENDING = {("core/submissions.py", "builder.models"), ("builder/tasks.py", "duel_runner.sandboxes")}


def test_core_imports_none_of_the_stages():
    found = set()
    for path in sorted((ROOT / "core").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for module in _imported_modules(path):
            top = module.split(".")[0]
            if top in STAGES and module not in ALLOWED and (relative, module) not in PENDING:
                found.add((relative, module))
    assert found == set()


@pytest.mark.parametrize("stage", ["builder", "duel_runner", "publisher", "tournament_manager"])
def test_a_stage_s_tasks_import_no_other_stage(stage):
    others = set(STAGES) - {stage}
    for path in sorted((ROOT / stage).glob("*.py")):
        if path.name not in ("tasks.py", "services.py", "apps.py"):
            continue
        relative = path.relative_to(ROOT).as_posix()
        imported = {
            module
            for module in _imported_modules(path)
            if module.split(".")[0] in others
            and module not in ALLOWED
            and (relative, module) not in PENDING
        }
        assert imported == set(), f"{relative} imports {imported}"
