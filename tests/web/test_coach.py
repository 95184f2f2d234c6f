"""The coach on the site: a revision's blunder report, the duel page's summary and each
replay step's proven value, from analyses computed by the real task (no worker needed)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Duel, DuelAnalysis
from duel_runner.coach import analyse_duel
from tests.platform.coach_duels import BLUNDER_GAME, PERFECT_GAME, completed_duel, revision_of

pytestmark = pytest.mark.django_db


def blunders_page(revision) -> str:
    c = revision.competitor
    response = Client().get(
        reverse("revision-blunders", args=[c.environment.slug, c.name, revision.version])
    )
    assert response.status_code == 200
    return response.content.decode()


def match_data(page: str) -> dict:
    found = re.search(r'<script id="match-data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_blunder_report_groups_a_revision_s_blunders_with_links_to_the_replays() -> None:
    blunderer, other = revision_of("blunderer", public=False), revision_of("steady")
    # As player 1: its b1 in match 2 (player 2 moved first). As player 2: its b1 in match 1.
    first = completed_duel(blunderer, other, (PERFECT_GAME, BLUNDER_GAME))
    second = completed_duel(other, blunderer, (BLUNDER_GAME, PERFECT_GAME))
    for duel in (first, second):
        assert analyse_duel(duel.pk) == DuelAnalysis.DONE
    page = blunders_page(blunderer)
    assert "<strong>b1</strong>: drawn into lost" in page
    assert "Best: draw with best play (b2)" in page
    assert 'data-state="1,0,0,0,0,0,0,0,0,-1"' in page  # drawn by the game's renderer
    assert f'href="/duels/{first.pk}/matches/2/#step-1"' in page
    assert f'href="/duels/{second.pk}/matches/1/#step-1"' in page
    assert "2 completed duels" in page and "<strong>2</strong> blunders in 1 position" in page
    # The steady player never blundered: its report says why it is empty.
    steady = blunders_page(other)
    assert "No blunder proven" in steady and "#step-" not in steady


def test_empty_reports_say_why() -> None:
    revision = revision_of("newcomer")
    assert "no completed duel yet" in blunders_page(revision)
    completed_duel(revision, revision_of("rival"))
    assert "pending" in blunders_page(revision)


def test_the_revision_page_links_its_blunder_report() -> None:
    revision = revision_of("linked")
    c = revision.competitor
    page = Client().get(reverse("revision", args=[c.environment.slug, c.name, 1])).content
    assert reverse("revision-blunders", args=[c.environment.slug, c.name, 1]).encode() in page


def test_the_replay_shows_each_step_s_proven_value() -> None:
    duel = completed_duel()
    url = reverse("replay", args=[duel.pk, 2])
    pending = match_data(Client().get(url).content.decode())
    assert pending["values"] is None and "pending" in pending["coach_note"]
    analyse_duel(duel.pk)
    data = match_data(Client().get(url).content.decode())
    values = data["values"]
    assert len(values) == len(BLUNDER_GAME) + 1
    # Match 2: player 2 is X and moves first; after O's (player 1's) b1, X wins.
    assert values[1] == "draw with best play (b2)"
    assert values[2].startswith("X wins in 3 (winning moves: ")
    assert values[-1] is None
    assert 'id="step-value"' in Client().get(url).content.decode()


def test_the_duel_page_sums_up_the_analysis() -> None:
    duel = completed_duel()
    page = Client().get(reverse("duel", args=[duel.pk])).content.decode()
    assert "analysis of this duel is pending" in page
    analyse_duel(duel.pk)
    page = Client().get(reverse("duel", args=[duel.pk])).content.decode()
    assert "Player 1: <strong>1</strong> proven blunder" in page
    assert "Player 2: <strong>0</strong> proven blunders" in page
    assert f'href="/duels/{duel.pk}/matches/2/#step-1">the first</a>' in page


def test_a_scheduled_duel_has_no_coach_section() -> None:
    duel = completed_duel(state=Duel.SCHEDULED)
    page = Client().get(reverse("duel", args=[duel.pk])).content.decode()
    assert 'id="coach"' not in page
