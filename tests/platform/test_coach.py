"""The coach on the platform: a completed duel's analysis, sent on commit by the duel-finished
hook, computed by a real Celery worker and kept (DuelAnalysis); idempotent, bounded, and a
failure of it never touches the duel."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from core import pipeline
from core.models import Duel, DuelAnalysis
from duel_runner import coach as platform_coach
from duel_runner.coach import MAX_ATTEMPTS, analyse_duel
from run_duel import coach
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from tests.platform.coach_duels import BLUNDER_GAME, PERFECT_GAME, completed_duel
from web import coach as web_coach


def test_the_hook_is_registered_by_the_app() -> None:
    assert platform_coach.duel_finished in pipeline._duel_finished_hooks


def test_a_finished_duel_is_analysed_by_a_worker_and_kept(celery_processes) -> None:
    duel = completed_duel()
    celery_processes.worker()
    with transaction.atomic():
        pipeline.duel_finished(duel)  # as duel_runner.tasks does, in the outcome's transaction

    def done() -> bool:
        row = DuelAnalysis.objects.filter(duel=duel).first()
        return row is not None and row.state in (DuelAnalysis.DONE, DuelAnalysis.FAILED)

    wait_for(done, 60, message="the analysis")
    analysis = DuelAnalysis.objects.get(duel=duel)
    assert analysis.state == DuelAnalysis.DONE, analysis.error
    assert analysis.format == coach.FORMAT and analysis.attempts == 1
    [blunder] = analysis.report["blunders"]
    assert (blunder["mover"], blunder["move"], blunder["turned"]) == (1, "b1", "drawn into lost")
    assert blunder["occurrences"] == [{"match": 2, "step": 1}]
    assert (analysis.blunders_1, analysis.blunders_2) == (1, 0)
    assert coach.position_key([0.0] * 9 + [1.0]) in analysis.positions
    assert "positions" not in analysis.report
    duel.refresh_from_db()
    assert duel.state == Duel.COMPLETED


@pytest.mark.django_db
def test_the_task_is_idempotent() -> None:
    duel = completed_duel()
    assert analyse_duel(duel.pk) == DuelAnalysis.DONE
    first = DuelAnalysis.objects.get(duel=duel)
    assert analyse_duel(duel.pk) == DuelAnalysis.DONE
    again = DuelAnalysis.objects.get(duel=duel)
    assert again.attempts == 1 and again.finished == first.finished


@pytest.mark.django_db
def test_only_completed_duels_are_analysed(django_capture_on_commit_callbacks) -> None:
    failed = completed_duel(state=Duel.FAILED)
    with django_capture_on_commit_callbacks() as sent:
        platform_coach.duel_finished(failed)
    assert sent == []
    assert analyse_duel(failed.pk) == "NOTHING"
    assert not DuelAnalysis.objects.filter(duel=failed).exists()


@pytest.mark.django_db
def test_a_budget_of_zero_turns_the_coach_off(settings, django_capture_on_commit_callbacks):
    settings.ARENA_COACH_SECONDS_PER_DUEL = 0
    with django_capture_on_commit_callbacks() as sent:
        platform_coach.duel_finished(completed_duel())
    assert sent == []


@pytest.mark.django_db
def test_a_failure_is_recorded_not_raised_and_never_retried_forever() -> None:
    duel = completed_duel(games=(BLUNDER_GAME, PERFECT_GAME))
    duel.record_file.storage.delete(duel.record_file.name)
    assert analyse_duel(duel.pk) == DuelAnalysis.FAILED
    analysis = DuelAnalysis.objects.get(duel=duel)
    assert analysis.error and analysis.attempts == 1
    for _ in range(MAX_ATTEMPTS + 2):
        analyse_duel(duel.pk)
    analysis.refresh_from_db()
    assert analysis.state == DuelAnalysis.FAILED and analysis.attempts == MAX_ATTEMPTS
    duel.refresh_from_db()
    assert duel.state == Duel.COMPLETED and duel.result


@pytest.mark.django_db
def test_a_run_held_by_another_worker_is_left_to_it() -> None:
    duel = completed_duel()

    DuelAnalysis.objects.create(
        duel=duel, state=DuelAnalysis.RUNNING, started=timezone.now(), attempts=1
    )
    assert analyse_duel(duel.pk) == DuelAnalysis.RUNNING
    assert DuelAnalysis.objects.get(duel=duel).attempts == 1


def test_a_lost_analysis_is_sent_again_by_the_sweep_and_done(
    celery_processes, redis_broker
) -> None:
    duel = completed_duel()
    with transaction.atomic():
        pipeline.duel_finished(duel)
    # The task went to a broker no worker read before it was lost: the row waits, pending.
    redis_broker.flushdb()
    assert DuelAnalysis.objects.get(duel=duel).state == DuelAnalysis.PENDING
    assert platform_coach.resend_unfinished_analyses() == 0  # too recent to be lost
    long_ago = timezone.now() - platform_coach._stale_after() - timezone.timedelta(seconds=1)
    Duel.objects.filter(pk=duel.pk).update(finished=long_ago)
    assert platform_coach.resend_unfinished_analyses() == 1
    celery_processes.worker()
    wait_for(
        lambda: DuelAnalysis.objects.get(duel=duel).state == DuelAnalysis.DONE,
        60,
        message="the analysis sent again",
    )


@pytest.mark.django_db
def test_the_sweep_gives_a_dead_workers_analysis_bounded_starts() -> None:
    duel = completed_duel()
    long_ago = timezone.now() - platform_coach._stale_after() - timezone.timedelta(seconds=1)
    row = DuelAnalysis.objects.create(
        duel=duel, state=DuelAnalysis.RUNNING, started=long_ago, attempts=1
    )
    assert platform_coach.resend_unfinished_analyses() == 1  # its worker died: once more
    row.attempts = MAX_ATTEMPTS
    row.save(update_fields=["attempts"])
    assert platform_coach.resend_unfinished_analyses() == 0  # its starts are spent
    assert analyse_duel(duel.pk) == DuelAnalysis.FAILED


@pytest.mark.docker
@pytest.mark.slow
def test_a_tournament_duel_played_in_docker_gets_its_blunder_report(
    celery_processes, docker_client, no_leftover_containers
) -> None:
    """End to end: two example players submitted, built and validated, their edition's duel
    played in Docker by a real worker, then analysed by the same worker."""
    celery_processes.worker("worker1")
    revisions = [factories.submit(EXAMPLE_PLAYERS / n, name=n) for n in ("random", "minimax")]
    for revision in revisions:
        wait_for(
            lambda r=revision: r.__class__.objects.get(pk=r.pk).test_state == "TEST_COMPLETED",
            240,
            message=f"the validation of {revision}",
        )
    celery_processes.beat()

    def analysed() -> DuelAnalysis | None:
        return DuelAnalysis.objects.filter(
            state__in=[DuelAnalysis.DONE, DuelAnalysis.FAILED]
        ).first()

    analysis = wait_for(analysed, 300, message="the analysis of the tournament duel")
    assert analysis.state == DuelAnalysis.DONE, analysis.error
    assert analysis.duel.state == Duel.COMPLETED
    stats = analysis.report["stats"]
    assert stats["unknown"] == 0 and stats["moves_judged"] == stats["moves"] > 0
    # Minimax plays tic-tac-toe perfectly: every proven blunder is the random player's.
    random_side = 1 if analysis.duel.revision_1.competitor.name == "random" else 2
    assert {b["mover"] for b in analysis.report["blunders"]} <= {random_side}
    report = web_coach.revision_blunders(revisions[1])
    assert report["analysed"] == 1 and report["blunders"] == 0
