"""A competitor's record and a game's first-player panel, in a real browser at laptop and phone
widths: real duel records (played in-process by the example players) behind a live server.

Screenshots land in var/screenshots/ (``<width>-record-*.png``) to be looked at.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from core.models import (
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
)
from run_duel import run_duel
from run_duel.players import load_player
from tests.browser.plugin import screenshot
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = [pytest.mark.browser]

TRACEBACK = (
    "player 1 crashed in start() of match 1\n"
    "--- last lines of player 1's log ---\n"
    "Traceback (most recent call last):\n"
    '  File "/player/player.py", line 4, in <module>\n'
    "    import torch\n"
    "ModuleNotFoundError: No module named 'torch'\n"
)


def _record(first: str, second: str, matches: int) -> dict[str, Any]:
    return run_duel(
        "tic-tac-toe",
        load_player(EXAMPLE_PLAYERS / first, label="player 1"),
        load_player(EXAMPLE_PLAYERS / second, label="player 2"),
        matches,
    )


def _duel(first: Revision, second: Revision, record: dict[str, Any], when) -> Duel:
    duel = Duel.objects.create(
        environment=first.competitor.environment,
        revision_1=first,
        revision_2=second,
        rules_version=1,
        num_matches=len(record["matches"]),
        matches_done=len(record["matches"]),
        state=Duel.COMPLETED,
        result=record["result"],
        created=when,
        started=when,
        finished=when + timedelta(seconds=40),
        **{key: record[key] for key in Duel.COUNTERS},
    )
    duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(record).encode()), True)
    return duel


def _arena() -> None:
    """Four editions of tic-tac-toe: "perfect" (minimax) climbs as rivals come and go."""
    game = Environment.objects.get(slug="tic-tac-toe")
    hero = factories.competitor(name="perfect", is_public=True)
    factories.valid_revision(
        hero, image_state=Revision.IMAGE_COMPLETED, test_state=Revision.TEST_FAILED,
        test_error=TRACEBACK,
    )  # fmt: skip
    rivals = {
        name: factories.valid_revision(factories.competitor(name=name, is_public=True))
        for name in ("dumb-luck", "coin-flip", "first-cell")
    }
    minimax_vs = {  # who plays what, and hero's revision for each edition
        "dumb-luck": "random",
        "coin-flip": "random",
        "first-cell": "dummy",
    }
    start = timezone.now() - timedelta(days=6)
    # Each edition: hero's opponents, then the ranks (hero first).
    editions = [
        (["dumb-luck", "coin-flip"], {"perfect": 2, "dumb-luck": 1, "coin-flip": 3}),
        (
            ["dumb-luck", "coin-flip", "first-cell"],
            {"perfect": 1, "dumb-luck": 3, "coin-flip": 2, "first-cell": 4},
        ),
        (["first-cell", "coin-flip"], {"perfect": 1, "coin-flip": 2, "first-cell": 3}),
        (
            ["dumb-luck", "first-cell", "coin-flip"],
            {"perfect": 1, "dumb-luck": 2, "coin-flip": 4, "first-cell": 3},
        ),
    ]
    mu = 24.0
    for number, (opponents, ranks) in enumerate(editions, start=1):
        mine = factories.valid_revision(hero)
        when = start + timedelta(days=number)
        tournament = Tournament.objects.create(
            environment=game, edition=number, state=Tournament.COMPLETED, created=when
        )
        mu += 2.5 if ranks["perfect"] == 1 else -1.0
        for name, rank in ranks.items():
            revision = mine if name == "perfect" else rivals[name]
            TournamentParticipant.objects.create(
                tournament=tournament, revision=revision, rank=rank, wins=len(ranks) - rank,
                losses=rank - 1, points=2 * (len(ranks) - rank),
                rating_mu=mu if name == "perfect" else 25.0 - rank,
                rating_sigma=max(1.2, 6.0 - 1.1 * number),
            )  # fmt: skip
        for index, name in enumerate(opponents):
            weak = minimax_vs[name]
            if index % 2:  # hero plays second in some duels
                record = _record(weak, "minimax", 20)
                duel = _duel(rivals[name], mine, record, when + timedelta(minutes=index))
            else:
                record = _record("minimax", weak, 20)
                duel = _duel(mine, rivals[name], record, when + timedelta(minutes=index))
            TournamentDuel.objects.create(tournament=tournament, duel=duel, round=index + 1)
    # Rivals among themselves: more duels for the game's first-player panel.
    pairs = [("dumb-luck", "coin-flip"), ("coin-flip", "first-cell")]
    for first, second in pairs:
        record = _record(minimax_vs[first], minimax_vs[second], 20)
        _duel(rivals[first], rivals[second], record, start)


def test_a_competitors_record_and_the_first_player_panel(
    page, live_server, transactional_db, settings
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rec"}
    }
    _arena()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/games/tic-tac-toe/competitors/perfect/")
    tiles = page.locator("#record-summary")
    assert "1 of 4" in tiles.inner_text()
    assert page.locator(".record-duels tbody tr").count() == 10
    assert page.locator(".record-h2h tbody tr").count() == 3
    ticks = page.locator("svg.rank-plot text.tick").all_text_contents()
    assert ticks[:4] == ["1", "2", "3", "4"]  # whole ranks, 1 to the largest field
    assert page.locator("svg.rating-plot text.tick").count() > 4
    assert "Moving first" in page.locator("#seats").inner_text()
    assert "95th percentile" in page.locator("#move-times").inner_text()
    reason = page.locator(".record-reason")
    assert reason.inner_text().startswith("Validation error: player 1 crashed in start()")
    assert reason.bounding_box()["height"] < 40  # one line, not the traceback
    screenshot(page, "record-competitor")

    # Only the duels it lost... none: minimax never loses; then the ones it won, on one page.
    page.select_option(".record-filter select[name=result]", "lost")
    page.locator(".record-filter").get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"result=lost"))
    assert "No duel matches these filters" in page.locator("#duels ~ p").first.inner_text()
    page.select_option(".record-filter select[name=result]", "won")
    page.select_option(".record-filter select[name=opponent]", "dumb-luck")
    page.locator(".record-filter").get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"opponent=dumb-luck"))
    rows = page.locator(".record-duels tbody tr")
    assert rows.count() == 3
    assert all("dumb-luck" in text for text in rows.all_inner_texts())
    screenshot(page, "record-filtered")

    # A duel and the failed revision are one click away.
    rows.first.locator("a.badge").click()
    page.wait_for_url(re.compile(r"/duels/\d+/"))
    page.go_back()
    page.locator(".record-reason a").click()
    page.wait_for_url(re.compile(r"/competitors/perfect/revisions/1/"))

    # The game page: the first mover's advantage across all the game's duels.
    page.goto(f"{live_server.url}/games/tic-tac-toe/")
    panel = page.locator("#first-player")
    text = panel.inner_text()
    assert "First mover won" in text and "12 finished duels" in text
    panel.scroll_into_view_if_needed()
    screenshot(page, "record-game")
    assert not errors, errors
