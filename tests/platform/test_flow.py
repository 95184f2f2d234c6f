"""The whole flow on real services: PostgreSQL, Redis, Celery worker and beat processes,
Docker. Submissions go in through the real submission path; everything after is the
workers' doing."""

from __future__ import annotations

import signal

import pytest

from core.models import Duel, Revision, Tournament
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

RANDOM, DUMMY, MINIMAX = (EXAMPLE_PLAYERS / n for n in ("random", "dummy", "minimax"))


@pytest.fixture
def arena(celery_processes, docker_client, no_leftover_containers):
    """One worker, as in production; each test starts beat (the scheduler) when it wants the
    tournament to form, and may add or kill workers."""
    celery_processes.worker("worker1")
    return celery_processes


def _validated(revision: Revision) -> Revision:
    def done():
        revision.refresh_from_db()
        if revision.image_state == Revision.IMAGE_FAILED:
            pytest.fail(f"build failed: {revision.image_error}\n{revision.image_log[-2000:]}")
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(done, 180, message=f"the validation of {revision}")
    return revision


def _tournament(edition: int, game: str = "tic-tac-toe", timeout: float = 240) -> Tournament:
    def finished():
        tournament = Tournament.objects.filter(environment__slug=game, edition=edition).first()
        return tournament if tournament and tournament.state != Tournament.RUNNING else None

    return wait_for(finished, timeout, message=f"edition {edition} of {game} to finish")


def _expected_ranks(tournament: Tournament) -> dict[int, int]:
    """docs/rules.md's ranking, computed here independently from the duel rows."""
    table = {
        p.revision_id: [0, 0, 0.0] for p in tournament.participants.all()
    }  # points, wins, score
    for duel in tournament.duels.all():
        one, two = table[duel.revision_1_id], table[duel.revision_2_id]
        one[2] += duel.player_1_score
        two[2] += duel.player_2_score
        if duel.result == "PLAYER_1_WIN":
            one[0] += 2
            one[1] += 1
        elif duel.result == "PLAYER_2_WIN":
            two[0] += 2
            two[1] += 1
        else:
            one[0] += 1
            two[0] += 1
    keys = {rid: tuple(v) for rid, v in table.items()}
    return {rid: 1 + sum(other > key for other in keys.values()) for rid, key in keys.items()}


def test_it_runs_a_tournament_then_an_incremental_edition(arena):
    revisions = [factories.submit(folder, name=folder.name) for folder in (RANDOM, DUMMY, MINIMAX)]
    for revision in revisions:
        assert _validated(revision).test_state == Revision.TEST_COMPLETED, revision.test_error
        assert revision.image_name
    arena.beat()

    first = _tournament(1)
    assert first.state == Tournament.COMPLETED
    assert first.duels_total == first.duels_done == 3
    ranks = {p.revision_id: p.rank for p in first.participants.all()}
    assert ranks == _expected_ranks(first)
    for duel in first.duels.all():
        assert duel.state == Duel.COMPLETED and duel.attempts == 1
        assert (
            duel.player_1_wins
            + duel.player_2_wins
            + duel.draws
            + duel.player_1_errors
            + duel.player_2_errors
            == 6
        )
        assert duel.record_file.name and duel.log_1.name
    # The minimax player wins the tournament against random and dummy.
    assert first.participants.get(rank=1).revision.competitor.name == "minimax"

    fourth = _validated(factories.submit(RANDOM, name="random-2"))
    assert fourth.test_state == Revision.TEST_COMPLETED
    second = _tournament(2)
    assert second.duels_total == 6 and second.duels_reused == 3
    assert Duel.objects.count() == 6  # 3 + only the newcomer's 3
    assert {p.revision_id: p.rank for p in second.participants.all()} == _expected_ranks(second)


def test_a_crashing_player_fails_validation_with_its_log(arena):
    revision = _validated(factories.submit(EXAMPLE_PLAYERS / "hostile" / "crash_mid_match"))
    assert revision.test_state == Revision.TEST_FAILED
    assert "exited with code 3" in revision.test_error
    assert revision.test_duel["player_1_errors"] + revision.test_duel["player_2_errors"] > 0
    assert isinstance(revision.test_log_1, str)


def test_a_duel_survives_its_worker_being_killed(arena):
    a = _validated(factories.submit(MINIMAX, game="connect-four"))
    b = _validated(factories.submit(MINIMAX, game="connect-four"))
    assert a.test_state == b.test_state == Revision.TEST_COMPLETED
    # Make the coming duel long enough to be caught in the middle.
    from django.conf import settings

    from tournament_manager.services import schedule_tournament

    settings.ARENA_DUEL_MATCHES = 40
    tournament = schedule_tournament(a.competitor.environment)
    duel = tournament.duels.get()
    wait_for(
        lambda: Duel.objects.filter(pk=duel.pk, state=Duel.RUNNING, matches_done__gt=0).exists(),
        120,
        message="the duel to be under way",
    )
    arena.stop("worker1", signal.SIGKILL)
    arena.worker("worker2")
    arena.beat()  # requeue_stuck_work takes the silent duel back
    finished = _tournament(1, game="connect-four", timeout=300)
    duel.refresh_from_db()
    assert finished.state == Tournament.COMPLETED
    assert duel.state == Duel.COMPLETED and duel.attempts == 2
    assert duel.matches_done == duel.num_matches == 40
    assert duel.result
    participants = list(finished.participants.all())
    assert sum(p.wins + p.losses + p.draws for p in participants) == 2  # counted once, for both


def test_two_workers_never_run_the_same_duel_twice(arena):
    from django.db import transaction

    from duel_runner.tasks import run_duel_task

    arena.worker("worker2")
    arena.beat()
    built = _validated(factories.submit(RANDOM))
    with transaction.atomic():  # all six become eligible at once
        for _ in range(5):  # sharing one image: what matters is who runs which duel
            factories.valid_revision(image_name=built.image_name)
    tournament = wait_for(
        lambda: Tournament.objects.filter(environment__slug="tic-tac-toe").first(),
        30,
        message="the tournament",
    )
    duels = list(tournament.duels.all())
    assert len(duels) == 15
    for duel in duels:  # every duel sent a second time, to both workers' queue
        run_duel_task.delay(duel.pk)
    tournament = _tournament(1, timeout=300)
    duels = list(tournament.duels.all())
    assert all(d.attempts == 1 and d.state == Duel.COMPLETED for d in duels)
    assert tournament.duels_done == 15
    assert sum(p.wins + p.losses + p.draws for p in tournament.participants.all()) == 30
