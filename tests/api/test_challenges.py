"""Challenges through the API: who may challenge what, the number of matches, the quota (429
with when the next one is possible), the answer's addresses; and the queue it is sent to."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core import pipeline
from core.models import Duel, Revision
from tests.platform import factories

pytestmark = pytest.mark.django_db

CHALLENGES = "/api/v1/challenges/"


@pytest.fixture
def mine(owner):
    return factories.valid_revision(factories.competitor(name="mine", owner=owner))


@pytest.fixture
def theirs(stranger):
    return factories.valid_revision(
        factories.competitor(name="theirs", owner=stranger, is_public=True)
    )


def _challenge(client, **fields):
    body = {"game": "tic-tac-toe", "competitor": "mine", "opponent": "theirs", **fields}
    return client.post(CHALLENGES, body, content_type="application/json")


def test_a_challenge_is_an_unranked_duel_of_the_chosen_length(owner, as_owner, mine, theirs):
    response = _challenge(as_owner, matches=3)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "challenge" and data["challenger"] == "owner"
    assert data["player_1"]["competitor"] == "mine" and data["player_2"]["competitor"] == "theirs"
    assert data["num_matches"] == 3 and data["state"] == "SCHEDULED"
    assert data["early_stop"] == "off"
    assert data["url"].endswith(f"/duels/{data['id']}/")
    assert response["Location"] == data["api_url"]
    duel = Duel.objects.get(pk=data["id"])
    assert duel.challenger == owner and not duel.tournaments.exists()
    # Its progress, to anyone; a tournament duel is not a challenge.
    assert as_owner.get(f"{CHALLENGES}{duel.pk}/").json()["state"] == "SCHEDULED"
    other = Duel.objects.create(
        environment=duel.environment,
        revision_1=mine,
        revision_2=theirs,
        rules_version=1,
        num_matches=6,
    )
    assert as_owner.get(f"{CHALLENGES}{other.pk}/").status_code == 404
    # The duel list tells them apart.
    listed = as_owner.get("/api/v1/duels/?competitor=theirs&kind=challenge").json()["results"]
    assert [d["id"] for d in listed] == [duel.pk]
    listed = as_owner.get("/api/v1/duels/?kind=tournament").json()["results"]
    assert [(d["id"], d["kind"], d["challenger"]) for d in listed] == [
        (other.pk, "tournament", None)
    ]


def test_the_matches_default_to_the_duel_length_and_are_bounded_by_it(as_owner, mine, theirs):
    assert _challenge(as_owner).json()["num_matches"] == 6  # ARENA_DUEL_MATCHES in the tests
    for matches in (0, 7):
        response = _challenge(as_owner, matches=matches)
        assert response.status_code == 400, response.json()
    assert "from 1 to 6 matches" in _challenge(as_owner, matches=7).json()["error"]


def test_who_may_challenge_what(owner, stranger, as_owner, as_stranger, anonymous, mine, theirs):
    assert _challenge(anonymous).status_code == 401
    # Someone else's competitor cannot be the challenger.
    refused = _challenge(as_stranger, competitor="mine", opponent="theirs")
    assert refused.status_code == 400 and "belongs to someone else" in refused.json()["error"]
    # A private opponent is its owner's only.
    factories.valid_revision(factories.competitor(name="hidden", owner=stranger))
    refused = _challenge(as_owner, opponent="hidden")
    assert refused.status_code == 400 and "private" in refused.json()["error"]
    factories.valid_revision(factories.competitor(name="mine-too", owner=owner))
    assert _challenge(as_owner, opponent="mine-too").status_code == 201
    # Only validated revisions play.
    factories.valid_revision(theirs.competitor, test_state=Revision.TEST_FAILED)
    refused = _challenge(as_owner, opponent_version=2)
    assert refused.status_code == 400
    assert "has not passed its validation" in refused.json()["error"]
    assert refused.json()["fields"]["opponent_version"]
    # Not against itself; an unknown competitor is a 404 naming it.
    refused = _challenge(as_owner, opponent="mine")
    assert refused.status_code == 400 and "cannot challenge itself" in refused.json()["error"]
    missing = _challenge(as_owner, opponent="nobody")
    assert missing.status_code == 404 and "nobody" in missing.json()["error"]


@override_settings(ARENA_CHALLENGES_PER_DAY=2, ARENA_CHALLENGES_AT_ONCE=5)
def test_the_daily_quota_says_when_the_next_one_is_possible(as_owner, mine, theirs):
    first = _challenge(as_owner, matches=1).json()
    assert _challenge(as_owner, matches=1).status_code == 201
    # The older one was asked for 23 hours ago: one more fits in an hour.
    Duel.objects.filter(pk=first["id"]).update(created=timezone.now() - timedelta(hours=23))
    refused = _challenge(as_owner, matches=1)
    assert refused.status_code == 429
    at = timezone.localtime(Duel.objects.get(pk=first["id"]).created + timedelta(hours=24))
    assert refused.json()["error"] == (
        "You have used your 2 challenges of the last 24 hours: the next one is possible at "
        f"{at:%H:%M} UTC."
    )
    assert 3000 < int(refused["Retry-After"]) <= 3600
    Duel.objects.filter(pk=first["id"]).update(created=timezone.now() - timedelta(hours=25))
    assert _challenge(as_owner, matches=1).status_code == 201


@override_settings(ARENA_CHALLENGES_PER_DAY=10, ARENA_CHALLENGES_AT_ONCE=1)
def test_the_challenges_at_once_are_capped(as_owner, mine, theirs):
    first = _challenge(as_owner, matches=1).json()
    refused = _challenge(as_owner, matches=1)
    assert refused.status_code == 429
    assert "1 challenge waiting or playing, the most at once" in refused.json()["error"]
    Duel.objects.filter(pk=first["id"]).update(state=Duel.COMPLETED)
    assert _challenge(as_owner, matches=1).status_code == 201


def test_the_schema_documents_the_endpoints(anonymous):
    paths = anonymous.get("/api/v1/schema/?format=json").json()["paths"]
    assert "post" in paths["/api/v1/challenges/"]
    assert "get" in paths["/api/v1/challenges/{id}/"]


def _queued(redis_broker, queue: str) -> list[tuple[str, list]]:
    """The tasks waiting in a queue of the broker: (name, args)."""
    messages = [json.loads(raw) for raw in redis_broker.lrange(queue, 0, -1)]
    return [(m["headers"]["task"], json.loads(m["body"])[0]) for m in _decoded(messages)]


def _decoded(messages: list[dict]) -> list[dict]:
    import base64

    for message in messages:
        message["body"] = base64.b64decode(message["body"]).decode()
    return messages


def test_a_challenge_goes_to_its_queue_and_the_sweep_sends_it_back_there(
    as_owner, mine, theirs, redis_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        duel_id = _challenge(as_owner, matches=1).json()["id"]
    assert _queued(redis_broker, pipeline.CHALLENGES_QUEUE) == [(pipeline.RUN_DUEL, [duel_id])]
    assert _queued(redis_broker, "arena") == []
    redis_broker.delete(pipeline.CHALLENGES_QUEUE)
    # Its worker went silent: the sweep sends it again, to the same queue.
    Duel.objects.filter(pk=duel_id).update(
        state=Duel.RUNNING, heartbeat=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.requeue_stuck_work()
    assert _queued(redis_broker, pipeline.CHALLENGES_QUEUE) == [(pipeline.RUN_DUEL, [duel_id])]
    assert _queued(redis_broker, "arena") == []
