"""Extra duels between tied neighbours on real services: PostgreSQL, Redis, a Celery worker,
Docker. The worker that records the round-robin duel schedules the extras and sends them
through the pipeline; nobody else (no beat, no sweep) sends anything."""

from __future__ import annotations

import pytest

from core.models import Duel, Environment, Tournament, TournamentDuel
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from tests.platform.test_flow import _validated
from tournament_manager.services import schedule_tournament

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def test_perfect_players_stay_tied_and_spend_the_budget_then_the_edition_ends(
    celery_processes, docker_client, no_leftover_containers, monkeypatch, settings
):
    # The worker reads its settings from the environment; this process from ``settings``.
    monkeypatch.setenv("ARENA_EXTRA_DUELS_PER_EDITION", "2")
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 2
    celery_processes.worker("worker1")
    # Perfect tic-tac-toe players draw every match: their order can never be sure.
    one = _validated(factories.submit(EXAMPLE_PLAYERS / "minimax"))
    two = factories.valid_revision(image_name=one.image_name)  # the same player, one image
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"))

    def finished():
        tournament.refresh_from_db()
        return tournament.state != Tournament.RUNNING

    wait_for(finished, 240, message="the edition and its extra duels")
    assert tournament.state == Tournament.COMPLETED
    links = TournamentDuel.objects.filter(tournament=tournament).select_related("duel")
    extras = [link.duel for link in links if link.extra]
    assert len(extras) == 2 and len(links) == 3
    assert all(duel.state == Duel.COMPLETED and duel.draws == duel.num_matches for duel in extras)
    # The sides alternated, and each extra followed the one before it.
    assert [(d.revision_1_id, d.revision_2_id) for d in sorted(extras, key=lambda d: d.pk)] in (
        [(one.pk, two.pk), (two.pk, one.pk)],
        [(two.pk, one.pk), (one.pk, two.pk)],
    )
    assert (tournament.duels_total, tournament.duels_done) == (3, 3)
    top = tournament.participants.get(next_confidence__isnull=False)
    assert top.next_separated is False and top.next_confidence == 0.5
    assert top.next_draws == 3 * settings.ARENA_DUEL_MATCHES
    # The standings count the round robin only: one drawn duel each.
    assert [(p.draws, p.points) for p in tournament.participants.all()] == [(1, 1), (1, 1)]
