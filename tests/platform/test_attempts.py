"""Nothing is tried forever, and nothing a player wrote can make a save fail: the attempt caps
of the stuck-work sweep, and core.work.finish on real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from core.models import Duel, Revision
from core.work import finish
from tests.platform import factories

pytestmark = [pytest.mark.django_db]


def _stale(**fields):
    """Fields of work whose worker went silent an hour ago."""
    silent_since = timezone.now() - timezone.timedelta(hours=1)
    return {"heartbeat": silent_since, "claim": uuid.uuid4(), **fields}


def _duel(**fields) -> Duel:
    from tournament_manager.services import schedule_tournament

    one = factories.valid_revision()
    factories.valid_revision()
    duel = schedule_tournament(one.competitor.environment, send=False).duels.get()
    Duel.objects.filter(pk=duel.pk).update(**fields)
    duel.refresh_from_db()
    return duel


def test_the_sweep_gives_up_a_duel_that_used_its_attempts(settings):
    from core.pipeline import requeue_stuck_work

    duel = _duel(**_stale(state=Duel.RUNNING, attempts=settings.ARENA_MAX_DUEL_ATTEMPTS))
    counts = requeue_stuck_work()
    duel.refresh_from_db()
    assert counts["duels given up"] == 1 and counts["duels"] == 0
    assert duel.state == Duel.FAILED and duel.result == "ERROR" and duel.claim is None
    assert "not your player's fault" in duel.error_msg
    tournament = duel.tournaments.get()
    assert tournament.duels_done == 1  # ranked as ended: the edition can finish


def test_the_sweep_takes_back_a_duel_with_attempts_left(settings):
    from core.pipeline import requeue_stuck_work

    duel = _duel(**_stale(state=Duel.RUNNING, attempts=settings.ARENA_MAX_DUEL_ATTEMPTS - 1))
    requeue_stuck_work()
    duel.refresh_from_db()
    assert duel.state == Duel.SCHEDULED and duel.claim is None


# Work on a revision: its state field, running state, attempts field, cap, failed state and
# where the reason goes.
KINDS = {
    "validation": (
        "test_state", Revision.TEST_RUNNING, "test_attempts", "ARENA_MAX_VALIDATION_ATTEMPTS",
        Revision.TEST_FAILED, "test_error",
    ),
    "build": (
        "image_state", Revision.IMAGE_RUNNING, "image_attempts", "ARENA_MAX_BUILD_ATTEMPTS",
        Revision.IMAGE_FAILED, "image_error",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_sweep_gives_up_builds_and_validations(settings, kind):
    from core.pipeline import requeue_stuck_work

    state_field, running, attempts, cap, failed, error_field = KINDS[kind]
    fields = {state_field: running, attempts: getattr(settings, cap)}
    revision = factories.valid_revision(**_stale(**fields))
    requeue_stuck_work()
    revision.refresh_from_db()
    assert getattr(revision, state_field) == failed
    assert "gave up" in getattr(revision, error_field)


def test_finish_stores_what_a_player_wrote_without_its_control_characters():
    revision = factories.valid_revision(claim=uuid.uuid4())
    revision.test_error = "raised ValueError: a\x00b\x1b[31m"
    revision.test_duel = {"error_msg": "x\x00y", "nested": ["\x00"]}
    revision.test_log_1 = "log\x00line"
    assert finish(revision, ["test_error", "test_duel", "test_log_1"])
    revision.refresh_from_db()
    assert revision.test_error == "raised ValueError: ab[31m"
    assert revision.test_duel == {"error_msg": "xy", "nested": [""]}
    assert revision.test_log_1 == "logline"


def test_a_refused_save_still_ends_the_row():
    from duel_runner.tasks import duel_refused

    duel = _duel(state=Duel.RUNNING, claim=uuid.uuid4(), attempts=1)
    duel.state = Duel.COMPLETED
    duel.result = "R" * 500  # longer than the column: PostgreSQL refuses the whole save
    assert finish(duel, ["state", "result"], on_refused=duel_refused)
    duel.refresh_from_db()
    assert duel.state == Duel.FAILED and duel.result == "ERROR" and duel.claim is None
    assert "could not be stored" in duel.error_msg


def test_duels_are_sent_with_a_time_limit_from_the_game(redis_broker):
    from celery.signals import before_task_publish

    from duel_runner.tasks import run_duel_task
    from run_duel.duel import duel_time_limit

    duel = _duel()
    sent = []

    def record(headers=None, **kwargs):
        sent.append(headers)

    before_task_publish.connect(record)
    try:
        run_duel_task.apply_async(args=[duel.pk])
    finally:
        before_task_publish.disconnect(record)
    redis_broker.flushdb()
    hard, soft = sent[0]["timelimit"]
    honest = duel_time_limit("tic-tac-toe", duel.num_matches)
    assert honest < soft < hard


def test_moves_and_human_matches_have_a_hard_time_limit_too():
    from duel_runner.human_matches import run_human_match
    from duel_runner.moves import compute_move
    from run_duel.duel import match_time_limit

    honest_move = match_time_limit("connect-four")
    assert honest_move < compute_move.soft_time_limit < compute_move.time_limit
    assert run_human_match.soft_time_limit < run_human_match.time_limit < 24 * 3600
