"""A challenge on real services: PostgreSQL, Redis, a Celery worker process and Docker. It is
played to the end like a tournament's duel, after the tournament's duels waiting with it, and
changes no ranking. (Who may challenge what and the quota: tests/api/test_challenges.py.)"""

from __future__ import annotations

import pytest

from core import pipeline
from core.models import Duel, Environment, Revision, Tournament, TournamentDuel
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from tournament_manager.services import schedule_tournament
from web.services import start_challenge

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

# The compose worker's queues, in its order (docker/entrypoint.sh).
QUEUES = f"moves,arena,{pipeline.CHALLENGES_QUEUE}"


def _finished(duel: Duel) -> Duel:
    def done():
        duel.refresh_from_db()
        return duel.is_finished

    wait_for(done, 180, message=f"{duel} to finish")
    return duel


def _standings(tournament: Tournament) -> list[tuple]:
    return list(
        tournament.participants.order_by("pk").values_list(
            "revision_id", "rank", "points", "wins", "losses", "draws", "total_score", "rating"
        )
    )


def test_a_challenge_is_played_after_tournament_duels_and_changes_no_ranking(
    celery_processes, docker_client, no_leftover_containers
):
    celery_processes.worker("worker1", queues=QUEUES)
    challenger = factories.user("ada")
    mine = factories.submit(EXAMPLE_PLAYERS / "minimax", name="mine", owner=challenger)
    theirs = factories.submit(EXAMPLE_PLAYERS / "random", name="theirs")
    factories.submit(EXAMPLE_PLAYERS / "dummy", name="third")
    theirs.competitor.is_public = True
    theirs.competitor.save()

    def validated():
        revisions = Revision.objects.all()
        if any(r.image_state == Revision.IMAGE_FAILED for r in revisions):
            pytest.fail("a build failed")
        return {r.test_state for r in revisions} == {Revision.TEST_COMPLETED}

    wait_for(validated, 240, message="the validations")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    # With the worker away, a challenge waits in its queue, then an edition's three duels in
    # theirs: the worker (one process) plays the edition's duels first, all of them (taking
    # its queues in turn would play the challenge second).
    celery_processes.stop("worker1")
    challenge = start_challenge(challenger, mine, theirs, 3)
    edition = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"))
    assert edition is not None and edition.duels_total == 3
    celery_processes.worker("worker2", queues=QUEUES)

    edition_duels = [_finished(duel) for duel in edition.duels.all()]
    edition.refresh_from_db()
    assert edition.state == Tournament.COMPLETED
    before = _standings(edition)
    challenge = _finished(challenge)
    last = max(duel.finished for duel in edition_duels)
    assert challenge.started >= last, "the challenge was played before the edition's duels"

    assert challenge.state == Duel.COMPLETED, challenge.error_msg
    assert challenge.kind == Duel.CHALLENGE and challenge.challenger == challenger
    assert challenge.matches_done == 3 and challenge.record_file.name and challenge.log_1.name
    assert challenge.attempts == 1
    # No edition holds it, none was made for it, and the standings are as they were.
    assert not TournamentDuel.objects.filter(duel=challenge).exists()
    assert Tournament.objects.count() == 1
    edition.refresh_from_db()
    assert _standings(edition) == before and edition.duels_done == edition.duels_total == 3
