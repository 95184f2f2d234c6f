"""Hostile players on the real platform (PostgreSQL, Redis, a Celery worker, Docker): whatever
they write on the protocol stream, in their logs or errors, or if they go silent, the duel is
recorded once, as their own errors; a slow but honest duel is never taken back."""

from __future__ import annotations

import pytest

from core.models import Duel, Environment, Revision
from tests.conftest import EXAMPLE_PLAYERS, ROOT, wait_for
from tests.platform import factories

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

HOSTILE = EXAMPLE_PLAYERS / "hostile"
RANDOM = EXAMPLE_PLAYERS / "random"
SLOW = ROOT / "tests" / "platform" / "players" / "slow_mover"


@pytest.fixture
def arena(celery_processes, docker_client, no_leftover_containers):
    celery_processes.worker("worker1")
    return celery_processes


def _one_duel(*revisions: Revision) -> Duel:
    from tournament_manager.services import schedule_tournament

    tournament = schedule_tournament(revisions[0].competitor.environment)
    return tournament.duels.get()


def _finished(duel: Duel, timeout: float = 180) -> Duel:
    def done():
        duel.refresh_from_db()
        return duel.state in (Duel.COMPLETED, Duel.FAILED)

    wait_for(done, timeout, message=f"duel {duel.pk} to finish")
    return duel


@pytest.mark.parametrize("name", ["nul_bytes", "deep_json", "endless_line", "sleeps_past_deadline"])
def test_a_hostile_player_loses_its_duel_by_its_own_errors(arena, player_image, name):
    Environment.objects.filter(slug="tic-tac-toe").update(move_timeout=1, startup_timeout=15)
    hostile = factories.valid_revision(image_name=player_image(HOSTILE / name))
    opponent = factories.valid_revision(image_name=player_image(RANDOM))
    duel = _finished(_one_duel(hostile, opponent))

    hostile_is_1 = duel.revision_1_id == hostile.pk
    assert duel.state == Duel.COMPLETED, duel.error_msg
    assert duel.attempts == 1 and duel.other_errors == 0
    assert duel.result == ("PLAYER_2_WIN" if hostile_is_1 else "PLAYER_1_WIN")
    hostile_errors = duel.player_1_errors if hostile_is_1 else duel.player_2_errors
    assert hostile_errors == duel.num_matches
    assert duel.error_msg.startswith("player 1" if hostile_is_1 else "player 2")
    assert "arena error" not in duel.error_msg
    assert "\x00" not in duel.error_msg
    assert duel.record_file.size < 200_000


def test_a_player_that_abuses_the_protocol_fails_validation_once(arena):
    revision = factories.submit(HOSTILE / "deep_json")

    def validated():
        revision.refresh_from_db()
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(validated, 240, message="the validation of deep_json")
    assert revision.test_state == Revision.TEST_FAILED
    assert "protocol stream" in revision.test_error
    assert revision.test_attempts == 1  # the player's failure: never retried


def test_a_slow_honest_duel_keeps_its_worker_and_finishes(arena, player_image, monkeypatch):
    from django.conf import settings

    # One match of the slow player lasts longer than the stuck limit the sweep is given.
    monkeypatch.setattr(settings, "ARENA_DUEL_MATCHES", 2)
    slow = factories.valid_revision(image_name=player_image(SLOW))
    opponent = factories.valid_revision(image_name=player_image(RANDOM))
    duel = _one_duel(slow, opponent)
    monkeypatch.setenv("ARENA_STUCK_AFTER", "5")
    arena.worker("worker2")  # the sweep runs there while worker1 plays the duel
    arena.beat()
    duel = _finished(duel)
    assert duel.state == Duel.COMPLETED and duel.attempts == 1
    assert duel.player_1_errors == duel.player_2_errors == 0
