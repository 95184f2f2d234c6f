"""The move endpoint: a validated agent answers in its sandbox, computed by a real worker.

A move request never holds a web thread for long: it waits ARENA_API_MOVE_WAIT seconds at
most, then answers 202 with the move's address, which its token polls; moves in flight are
capped per token and over the arena.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.models import ApiMove, ApiToken, Revision
from tests.api.conftest import client_with_token
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories

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
    # The dummy player plays the first valid action. Only the worker consuming the moves
    # queue can compute it (the first one consumes the default queue only).
    celery_processes.start(
        "moves-worker", "worker", "-Q", "moves", "-n", "moves@%h", "--concurrency", "1",
        "--without-gossip", "--without-mingle",
    )  # fmt: skip
    response = move_of(client, "first-valid", state=EMPTY_BOARD, valid_actions=[6, 2, 4])
    assert response.status_code in (200, 202), response.json()
    if response.status_code == 202:  # the container took longer than the short wait
        address = response["Location"]
        assert response.json()["move"].endswith(address)

        def answered():
            nonlocal response
            response = client.get(address)
            assert response.status_code in (200, 202), response.json()
            return response.status_code == 200

        wait_for(answered, 120, message="the move's answer")
    assert response.json() == {"action": 2, "competitor": "first-valid", "version": 1}
    # The answer stays at its address for the token's owner, and for nobody else.
    move = ApiMove.objects.get()
    address = f"/api/v1/moves/{move.pk}/"
    assert client.get(address).json()["action"] == 2
    assert client_with_token(owner).get(address).status_code == 404


def pending_moves(user, count: int, **fields) -> list[ApiMove]:
    revision = factories.valid_revision(factories.competitor(owner=user))
    token = ApiToken.objects.get(user=user)
    return [ApiMove.objects.create(token=token, revision=revision, **fields) for _ in range(count)]


@pytest.mark.django_db
@override_settings(ARENA_API_MOVE_WAIT=0.2)
def test_a_move_no_worker_answers_yet_is_polled_not_waited_for(owner, as_owner, stranger):
    factories.valid_revision(factories.competitor(name="bot"))
    # No worker consumes the moves queue here: the request answers after its short wait.
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0, 4])
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["competitor"] == "bot" and body["version"] == 1 and body["started"] is False
    address = response["Location"]
    assert body["move"] == f"http://testserver{address}"
    assert as_owner.get(address).status_code == 202
    # Only the token's owner may read it.
    assert client_with_token(stranger).get(address).status_code == 404
    # Once a worker wrote its answer, the poll returns it.
    move = ApiMove.objects.get()
    ApiMove.objects.filter(pk=move.pk).update(started=timezone.now(), outcome={"action": 4})
    assert as_owner.get(address).json() == {"action": 4, "competitor": "bot", "version": 1}


@pytest.mark.django_db
@override_settings(ARENA_API_MOVE_EXPIRES=30)
def test_a_move_no_worker_took_in_time_says_so(owner, as_owner):
    (move,) = pending_moves(owner, 1, created=timezone.now() - timedelta(seconds=31))
    response = as_owner.get(f"/api/v1/moves/{move.pk}/")
    assert response.status_code == 503
    assert "No worker took the move within 30 s" in response.json()["error"]


@pytest.mark.django_db
def test_a_failed_move_shows_the_agent_log_only_to_who_may_read_it(owner, as_owner, stranger):
    token = ApiToken.objects.get(user=owner)
    as_stranger = client_with_token(stranger)
    revision = factories.valid_revision(factories.competitor(name="private-bot", owner=owner))
    outcome = {"kind": "player", "error": "raised ValueError", "log_tail": "SECRET-LOG-LINE"}
    theirs = ApiMove.objects.create(token=ApiToken.objects.get(user=stranger), revision=revision)
    ApiMove.objects.filter(pk=theirs.pk).update(outcome=outcome)
    response = as_stranger.get(f"/api/v1/moves/{theirs.pk}/")
    assert response.status_code == 422 and "raised ValueError" in response.json()["error"]
    assert "SECRET-LOG-LINE" not in response.content.decode()
    mine = ApiMove.objects.create(token=token, revision=revision, outcome=outcome)
    assert "SECRET-LOG-LINE" in as_owner.get(f"/api/v1/moves/{mine.pk}/").json()["error"]


@pytest.mark.django_db
@override_settings(ARENA_API_MOVES_IN_FLIGHT_PER_TOKEN=2, ARENA_API_MOVES_IN_FLIGHT=3)
def test_moves_in_flight_are_capped_per_token_and_over_the_arena(owner, as_owner, stranger):
    factories.valid_revision(factories.competitor(name="bot"))
    pending_moves(owner, 2)
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 429 and response["Retry-After"]
    assert "You have 2 moves waiting for their answer" in response.json()["error"]
    # Answered, started long ago or expired unstarted: no longer in flight.
    ApiMove.objects.filter(token__user=owner).update(outcome={"action": 0})
    pending_moves(owner, 1, started=timezone.now() - timedelta(hours=1))
    pending_moves(owner, 1, created=timezone.now() - timedelta(hours=1))
    # Someone else's moves fill the arena's places.
    as_stranger = client_with_token(stranger)
    pending_moves(stranger, 1)
    third = factories.user("third")
    client_with_token(third)
    pending_moves(third, 1)
    factories.valid_revision(factories.competitor(name="other", owner=stranger))
    with override_settings(ARENA_API_MOVE_WAIT=0):
        response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 202  # the third place of the arena
    response = move_of(as_stranger, "other", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 429
    assert "The arena is computing 3 moves" in response.json()["error"]


@pytest.mark.django_db
@override_settings(ARENA_API_MOVE_WAIT=3600)
def test_the_wait_is_capped_whatever_the_setting_says(as_owner, monkeypatch):
    from web.api import views

    monkeypatch.setattr(views, "MAX_MOVE_WAIT", 0.1)  # 10 s in production
    factories.valid_revision(factories.competitor(name="bot"))
    response = move_of(as_owner, "bot", state=EMPTY_BOARD, valid_actions=[0])
    assert response.status_code == 202
