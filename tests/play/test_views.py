"""The pages of a human match without a sandbox: starting under the cap, checking the human's
moves before they reach the agent's holder, and who may download the data set.

Matches are made as rows here (no agent runs: on_commit never fires inside these tests)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from core.models import HumanMatch
from tests.platform import factories


@pytest.fixture
def revision(owner):
    return factories.valid_revision(factories.competitor(owner=owner, name="house"))


def _match(revision, user, **fields) -> HumanMatch:
    values = {"human_first": True, "state": HumanMatch.RUNNING, **fields}
    if "states" not in values and values["state"] == HumanMatch.RUNNING:
        values["states"] = [[0.0] * 9 + [1.0]]
    return HumanMatch.objects.create(revision=revision, user=user, **values)


def _new_url(revision) -> str:
    competitor = revision.competitor
    return reverse(
        "play-new", args=[competitor.environment.slug, competitor.name, revision.version]
    )


def test_it_asks_who_starts_then_starts_the_match(as_stranger, stranger, revision):
    page = as_stranger.get(_new_url(revision))
    assert page.status_code == 200 and b"Who starts?" in page.content
    response = as_stranger.post(_new_url(revision), {"first": "agent"})
    match = HumanMatch.objects.get()
    assert response.url == reverse("play-match", args=[match.pk])
    assert (match.user, match.human_first, match.state) == (stranger, False, HumanMatch.WAITING)
    assert as_stranger.get(response.url).status_code == 200


def test_only_a_validated_revision_can_be_played(as_stranger, owner):
    failed = factories.valid_revision(test_state="TEST_FAILED")
    assert as_stranger.get(_new_url(failed)).status_code == 404


def test_playing_needs_an_account(anonymous, revision):
    response = anonymous.post(_new_url(revision), {"first": "human"})
    assert response.status_code == 302 and "/login/" in response.url
    assert not HumanMatch.objects.exists()


def test_the_cap_of_concurrent_matches_is_kept_with_a_clear_message(
    settings, as_stranger, stranger, revision
):
    settings.ARENA_PLAY_MAX_MATCHES = 2
    _match(revision, factories.user("first"))
    _match(revision, factories.user("second"), state=HumanMatch.WAITING, states=[])
    _match(revision, stranger, state=HumanMatch.FINISHED)  # ended: does not count
    response = as_stranger.post(_new_url(revision), {"first": "human"}, follow=True)
    assert b"All 2 places for matches against agents are taken" in response.content
    assert HumanMatch.objects.count() == 3


def test_one_user_cannot_take_every_place(settings, as_stranger, stranger, revision):
    settings.ARENA_PLAY_MAX_MATCHES = 4
    settings.ARENA_PLAY_MATCHES_PER_USER = 1
    mine = _match(revision, stranger, state=HumanMatch.WAITING, states=[])
    response = as_stranger.post(_new_url(revision), {"first": "human"}, follow=True)
    page = response.content.decode()
    assert "You already play 1 match against agents, the most one person may at once" in page
    assert reverse("play-match", args=[mine.pk]) in page
    assert HumanMatch.objects.count() == 1
    # Someone else still finds a place; and once the match ends, so does its player.
    other = factories.user("other")
    from tests.people import client_for

    assert client_for(other).post(_new_url(revision), {"first": "human"}).status_code == 302
    HumanMatch.objects.filter(pk=mine.pk).update(state=HumanMatch.FINISHED)
    assert as_stranger.post(_new_url(revision), {"first": "human"}).status_code == 302


def test_a_match_whose_holder_went_silent_stops_counting(settings, as_stranger, stranger, revision):
    from django.utils import timezone

    settings.ARENA_PLAY_MAX_MATCHES = 1
    settings.ARENA_PLAY_IDLE_TIMEOUT = 10
    silent = _match(revision, stranger)
    HumanMatch.objects.filter(pk=silent.pk).update(
        heartbeat=timezone.now() - timezone.timedelta(hours=1)
    )
    as_stranger.post(_new_url(revision), {"first": "human"})
    silent.refresh_from_db()
    assert silent.state == HumanMatch.ABANDONED
    assert HumanMatch.objects.filter(state=HumanMatch.WAITING).count() == 1


def _move(client, match, action, ply=0):
    return client.post(
        reverse("play-move", args=[match.pk]),
        json.dumps({"action": action, "ply": ply}),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    ("fields", "action", "ply", "status", "error"),
    [
        ({"human_first": False}, 4, 0, 400, "agent's turn"),
        ({}, 9, 0, 400, "not valid"),
        ({}, 4, 3, 409, "board changed"),
        ({"state": HumanMatch.FINISHED}, 4, 0, 409, "not being played"),
    ],
)
def test_an_illegal_move_is_refused_before_it_reaches_the_agent(
    as_stranger, stranger, revision, fields, action, ply, status, error
):
    match = _match(revision, stranger, **fields)
    response = _move(as_stranger, match, action, ply)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_a_legal_move_is_handed_to_the_matchs_holder(as_stranger, stranger, revision, redis_broker):
    from duel_runner.inbox import inbox_key

    match = _match(revision, stranger)
    assert _move(as_stranger, match, 4).json() == {"ok": True}
    assert json.loads(redis_broker.lpop(inbox_key(match.pk))) == {"ply": 0, "action": 4}


def test_someone_elses_match_is_not_found(as_owner, stranger, revision):
    match = _match(revision, stranger)
    assert as_owner.get(reverse("play-match", args=[match.pk])).status_code == 404
    assert _move(as_owner, match, 4).status_code == 404
    assert as_owner.get(reverse("play-state", args=[match.pk])).status_code == 404


def test_the_state_says_whose_turn_it_is_and_what_may_be_played(as_stranger, stranger, revision):
    match = _match(revision, stranger, actions=[4], states=[[0.0] * 9 + [1.0]] * 2)
    state = as_stranger.get(reverse("play-state", args=[match.pk])).json()
    assert state["turn"] == "agent" and state["valid_actions"] == []
    match.human_first = False
    match.save()
    state = as_stranger.get(reverse("play-state", args=[match.pk])).json()
    assert state["turn"] == "human" and state["valid_actions"] == [0, 1, 2, 3, 5, 6, 7, 8]
    assert "You play O" in state["message"]


# --- The data set --------------------------------------------------------------------------------
def _download(client, revision):
    competitor = revision.competitor
    return client.get(
        reverse("play-human-matches", args=[competitor.environment.slug, competitor.name])
    )


def test_the_owner_downloads_every_ended_human_match_as_json_lines(as_owner, stranger, revision):
    older = factories.valid_revision(revision.competitor)
    won = _match(
        revision,
        stranger,
        state=HumanMatch.FINISHED,
        result=HumanMatch.AGENT_WIN,
        actions=[0, 4],
        rewards=[0, 0],
        states=[[0] * 10, [1] + [0] * 9, [1, 0, 0, 0, -1, 0, 0, 0, 0, 1]],
    )
    _match(older, stranger, state=HumanMatch.ABANDONED, human_first=False)
    _match(revision, stranger)  # still being played: not in the data set yet
    _match(factories.valid_revision(), stranger, state=HumanMatch.FINISHED)  # someone else's
    response = _download(as_owner, revision)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [line["id"] for line in lines] == sorted([won.pk, lines[1]["id"]])
    first = lines[0]
    assert first["environment"] == "tic-tac-toe" and first["competitor"] == "house"
    assert first["human"] == "stranger" and first["first_player"] == "HUMAN"
    assert first["actions"] == [0, 4] and len(first["states"]) == 3
    assert first["result"] == "AGENT_WIN" and first["state"] == "FINISHED"
    assert lines[1]["first_player"] == "AGENT" and lines[1]["state"] == "ABANDONED"


def test_the_data_set_is_the_owners_and_staffs_only(
    as_owner, as_staff, as_stranger, anonymous, revision
):
    assert _download(as_owner, revision).status_code == 200
    assert _download(as_staff, revision).status_code == 200
    assert _download(as_stranger, revision).status_code == 404
    assert _download(anonymous, revision).status_code == 302  # to the login page


def test_the_competitor_page_links_to_playing_and_to_the_data_set(
    as_owner, as_stranger, anonymous, revision
):
    url = reverse("competitor", args=["tic-tac-toe", "house"])
    download = reverse("play-human-matches", args=["tic-tac-toe", "house"])
    page = as_owner.get(url).content.decode()
    assert _new_url(revision) in page and download in page
    page = as_stranger.get(url).content.decode()
    assert _new_url(revision) in page and download not in page
    assert "Log in</a> to play" in anonymous.get(url).content.decode()
