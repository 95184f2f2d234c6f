"""Challenges on the site: the form on a competitor's page, its refusals in words, the duel
page's label, and the competitors' "Challenges" lists, kept out of their records."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from core.models import Duel
from tests.platform import factories
from web import records

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(owner):
    return factories.valid_revision(factories.competitor(name="mine", owner=owner))


@pytest.fixture
def theirs(stranger):
    return factories.valid_revision(
        factories.competitor(name="theirs", owner=stranger, is_public=True)
    )


def _page(client, name: str = "theirs") -> str:
    return client.get(reverse("competitor", args=["tic-tac-toe", name])).content.decode()


def _send(client, revision, **fields):
    data = {"revision": revision.pk, "opponent_version": 1, "matches": 4, **fields}
    url = reverse("challenge", args=["tic-tac-toe", "theirs"])
    return client.post(url, data, follow=True)


def test_a_participant_challenges_from_the_page_and_both_pages_list_it(
    as_owner, as_stranger, anonymous, mine, theirs
):
    page = _page(as_owner)
    assert 'id="challenge"' in page and f'value="{mine.pk}">mine v1</option>' in page
    assert 'max="6"' in page  # the duel length (ARENA_DUEL_MATCHES in the tests)
    assert "Log in</a> to challenge it" in _page(anonymous)

    response = _send(as_owner, mine)
    duel = Duel.objects.get(kind=Duel.CHALLENGE)
    assert response.redirect_chain[-1][0] == reverse("duel", args=[duel.pk])
    text = response.content.decode()
    assert "Challenge sent: mine v1 against theirs v1, 4 matches, unranked" in text
    assert "Challenge by <a" in text and ">owner</a>, unranked: 4 matches" in text
    for client, name in ((as_stranger, "theirs"), (anonymous, "mine")):
        page = _page(client, name)
        section = page[page.index('id="challenges"') :]
        assert reverse("duel", args=[duel.pk]) in section and ">owner</a>" in section
    # Not a duel of its record: the duel list, the head-to-head and the filter leave it out.
    theirs_competitor = theirs.competitor
    assert not records.duels_of(theirs_competitor).exists()
    assert records.opponents_of(theirs_competitor) == []


def test_the_page_says_why_it_may_not_challenge(owner, stranger, as_owner, mine, theirs):
    hidden = factories.valid_revision(factories.competitor(name="hidden", owner=stranger))
    assert "It is private: only its owner challenges it." in _page(as_owner, hidden.competitor.name)
    nothing_valid = factories.user("newcomer")
    from tests.people import client_for

    assert "once one of your Tic-tac-toe revisions has passed validation" in _page(
        client_for(nothing_valid)
    )


def test_a_refusal_comes_back_to_the_form_in_words(as_owner, as_stranger, mine, theirs):
    response = _send(as_owner, mine, matches=7)
    assert response.redirect_chain[-1][0].endswith("#challenge")
    assert "A challenge of Tic-tac-toe has from 1 to 6 matches" in response.content.decode()
    # Someone else's revision is not the stranger's to play with.
    response = _send(as_stranger, mine)
    assert "belongs to someone else" in response.content.decode()
    assert not Duel.objects.exists()


@override_settings(ARENA_CHALLENGES_PER_DAY=1)
def test_the_spent_quota_is_said_on_the_page(as_owner, mine, theirs):
    _send(as_owner, mine)
    text = _send(as_owner, mine).content.decode()
    assert "You have used your 1 challenge of the last 24 hours: the next one is possible at" in (
        text
    )
    assert Duel.objects.count() == 1
