"""A game whose organisers turned early stopping on: its duels are scheduled under that rule,
never reuse a duel played under another, and stop short on the workers, the row, the record,
the duel page and the API saying so (run_duel/stopping.py, docs/rules.md "Stopping early")."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import Duel, Environment, Revision
from duel_runner.tasks import stopping_rule
from run_duel.stopping import DECIDED, OFF, SPRT, Stopping
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from tournament_manager.services import duel_finished, schedule_tournament


def _game(early_stop: str | None = None) -> Environment:
    game = Environment.objects.get(slug="tic-tac-toe")
    if early_stop is not None:
        game.early_stop = early_stop
        game.save(update_fields=["early_stop"])
    return game


def test_the_settings_defaults_are_the_rules_defaults():
    """One set of SPRT defaults: the dev kit uses the dataclass's, the arena its settings'."""
    assert stopping_rule(SPRT) == Stopping(SPRT)
    assert stopping_rule(OFF).mode == OFF
    assert settings.ARENA_SPRT_ELO == Stopping().elo1 == -Stopping().elo0


@pytest.mark.django_db
def test_a_game_stops_nothing_unless_its_organisers_say_so():
    assert all(game.early_stop == OFF for game in Environment.objects.all())


@pytest.mark.django_db
def test_duels_are_scheduled_under_the_games_rule_and_reused_only_under_the_same():
    factories.valid_revision(factories.competitor())
    factories.valid_revision(factories.competitor())
    first = schedule_tournament(_game(), send=False)
    old = first.duels.get()
    assert old.early_stop == OFF
    old.state, old.result = Duel.COMPLETED, "PLAYER_1_WIN"
    old.save()
    duel_finished(old)

    factories.valid_revision(factories.competitor())
    second = schedule_tournament(_game(DECIDED), send=False)
    # The pair of the first edition is played again: its duel was played to the end, and this
    # edition's duels may stop early.
    assert second.duels_total == 3 and second.duels_reused == 0
    assert set(second.duels.values_list("early_stop", flat=True)) == {DECIDED}

    factories.valid_revision(factories.competitor())
    third = schedule_tournament(_game(OFF), send=False)
    assert third.duels_reused == 1  # the off-rule duel of the first edition, finished
    assert third.duels.filter(pk=old.pk).exists()


@pytest.mark.docker
@pytest.mark.services
@pytest.mark.slow
def test_a_duel_stops_when_decided_on_the_workers(
    celery_processes, docker_client, no_leftover_containers, client
):
    celery_processes.worker("worker1")
    minimax = factories.submit(EXAMPLE_PLAYERS / "minimax", name="minimax")
    dummy = factories.submit(EXAMPLE_PLAYERS / "dummy", name="dummy")
    for revision in (minimax, dummy):

        def validated(revision: Revision = revision) -> bool:
            revision.refresh_from_db()
            return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

        wait_for(validated, 180, message=f"the validation of {revision}")
        assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error
    tournament = schedule_tournament(_game(DECIDED))
    duel = tournament.duels.get()

    def finished() -> bool:
        duel.refresh_from_db()
        return duel.is_finished

    wait_for(finished, 180, message="the duel")
    # Perfect play wins every match against the first-free-cell player: 4 wins to 0 with 2
    # matches left settle a 6-match duel (a draw on the way would make it 5).
    assert duel.state == Duel.COMPLETED and duel.num_matches == settings.ARENA_DUEL_MATCHES == 6
    assert duel.early_stop == DECIDED and duel.stopped == DECIDED
    assert duel.matches_done in (4, 5)
    winner = 1 if duel.revision_1_id == minimax.pk else 2
    assert duel.result == f"PLAYER_{winner}_WIN"
    with duel.record_file.open() as stored:
        record = json.load(stored)
    assert record["num_matches"] == 6 and record["stopped"] == DECIDED
    assert record["matches_played"] == len(record["matches"]) == duel.matches_done

    page = client.get(reverse("duel", args=[duel.pk])).content.decode()
    assert f"stopped after {duel.matches_done} of 6 matches: decided" in page
    api = client.get(reverse("api-duel", args=[duel.pk])).json()
    assert api["early_stop"] == api["stopped"] == DECIDED
    assert api["matches_done"] == duel.matches_done and api["num_matches"] == 6
    assert api["stopped_because"].startswith(f"stopped after {duel.matches_done} of 6")


@pytest.mark.django_db
def test_the_duel_page_and_the_api_say_a_duel_stopped_early(client):
    factories.valid_revision(factories.competitor())
    factories.valid_revision(factories.competitor())
    duel = schedule_tournament(_game(SPRT), send=False).duels.get()
    Duel.objects.filter(pk=duel.pk).update(
        state=Duel.COMPLETED,
        result="PLAYER_1_WIN",
        player_1_wins=38,
        matches_done=38,
        stopped=SPRT,
        num_matches=1000,
    )
    page = client.get(reverse("duel", args=[duel.pk])).content.decode()
    assert "stopped after 38 of 1000 matches: sprt" in page
    api = client.get(reverse("api-duel", args=[duel.pk])).json()
    assert (api["early_stop"], api["stopped"], api["matches_done"]) == (SPRT, SPRT, 38)
    assert api["stopped_because"].startswith("stopped after 38 of 1000 matches: sprt")

    Duel.objects.filter(pk=duel.pk).update(stopped="", matches_done=1000)
    page = client.get(reverse("duel", args=[duel.pk])).content.decode()
    assert "stopped after" not in page and "early stop: sprt" in page
    assert client.get(reverse("api-duel", args=[duel.pk])).json()["stopped"] is None
