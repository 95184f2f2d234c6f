"""The move endpoint: a validated agent answers in its sandbox, computed by a real worker."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from core.models import Revision
from tests.api.conftest import client_with_token
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from web.api.models import ApiToken

EMPTY_BOARD = [0.0] * 9 + [1.0]  # tic-tac-toe: nine cells, then whose turn it is


def move_of(client, name: str, **data):
    address = f"/api/v1/games/tic-tac-toe/competitors/{name}/move/"
    return client.post(address, data, content_type="application/json")


@pytest.mark.django_db
def test_it_checks_the_position_against_the_game(as_owner):
    factories.valid_revision(factories.competitor(name="bot"))
    response = move_of(as_owner, "bot", state=[0, 0], valid_actions=[1])
    assert response.status_code == 400
    assert response.json()["error"].startswith("state: A tic-tac-toe state has 10 numbers, not 2")
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[3, 99])
    assert response.status_code == 400 and "0 to 8" in response.json()["error"]
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[])
    assert response.status_code == 400


@pytest.mark.django_db
def test_it_needs_a_token_and_a_validated_revision(as_owner, anonymous):
    competitor = factories.competitor(name="bot")
    assert move_of(anonymous, "bot", state=EMPTY_BOARD, valid_actions=[0]).status_code == 401
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 409 and "no validated revision" in response.json()["error"]
    factories.valid_revision(competitor, test_state=Revision.TEST_FAILED)
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0], version=1)
    assert response.status_code == 409 and "is not validated" in response.json()["error"]
    assert move_of(as_owner, "nobody", state=EMPTY_BOARD, valid_actions=[0]).status_code == 404


@pytest.mark.django_db
@override_settings(ARENA_API_MOVES_PER_MINUTE=2)
def test_it_limits_the_moves_per_token(owner, as_owner):
    factories.valid_revision(factories.competitor(name="bot"))
    # As if two moves were asked for a moment ago.
    ApiToken.objects.filter(user=owner).update(move_window_start=timezone.now(), move_count=2)
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 429
    assert "2 moves in the last minute" in response.json()["error"]
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another token has its own limit.
    other = client_with_token(factories.user("other"))
    assert move_of(other, "nobody", state=EMPTY_BOARD, valid_actions=[0]).status_code == 404


@pytest.mark.docker
@pytest.mark.services
@pytest.mark.slow
def test_a_worker_runs_the_agent_in_its_sandbox_for_the_move(celery_processes, docker_client):
    celery_processes.worker("worker1")
    owner = factories.user("owner")
    dummy = factories.submit(EXAMPLE_PLAYERS / "dummy", name="first-valid", owner=owner)

    def validated(revision: Revision) -> bool:
        revision.refresh_from_db()
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(lambda: validated(dummy), 300, message="the validation")
    assert dummy.test_state == Revision.TEST_COMPLETED, dummy.test_error

    client = client_with_token(factories.user("asker"))
    # The dummy player plays the first valid action.
    response = move_of(client, "first-valid", state=EMPTY_BOARD, valid_actions=[6, 2, 4])
    assert response.status_code == 200, response.json()
    assert response.json() == {"action": 2, "competitor": "first-valid", "version": 1}
