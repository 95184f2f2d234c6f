"""Finding a match and reading it, in a real browser at laptop and phone widths: the results
grid of an edition, the live page of a duel being played, a duel page's filters and its jump
to the first error, a replay that says each move in the game's words with a legend tying
players to the marks on the board.

Real records played in-process by the example players (no Docker); screenshots land in
var/screenshots/ to be looked at.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

import environments
from core.models import Duel, Environment
from duel_runner import live
from run_duel import outcomes, run_duel
from run_duel.players import load_player
from tests.browser.plugin import screenshot
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories
from tests.web.test_duels import make_duel, play
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]

COUNTERS = (
    "player_1_wins", "player_2_wins", "draws", "player_1_errors", "player_2_errors",
    "other_errors", "player_1_score", "player_2_score",
)  # fmt: skip


def _random_duel(slug: str, matches: int) -> dict[str, Any]:
    dtype = environments.info(slug).state_dtype
    return run_duel(
        slug,
        load_player(EXAMPLE_PLAYERS / "random", state_dtype=dtype, label="player 1"),
        load_player(EXAMPLE_PLAYERS / "random", state_dtype=dtype, label="player 2"),
        matches,
    )


def _finish(duel: Duel, record: dict[str, Any]) -> None:
    """Record a played duel on a scheduled one, as duel_runner.tasks does."""
    duel.state, duel.result = Duel.COMPLETED, record["result"]
    duel.num_matches = duel.matches_done = len(record["matches"])
    for key in COUNTERS:
        setattr(duel, key, record[key])
    duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(record).encode()), False)
    duel.save()
    with transaction.atomic():  # as the duel's end is recorded: in one transaction
        duel_finished(duel)


def _counted(matches: list[dict[str, Any]]) -> dict[str, Any]:
    """A duel record of these matches, its counters and result counted as the runner does."""
    record: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    counter = {
        "PLAYER_1_WIN": "player_1_wins", "PLAYER_2_WIN": "player_2_wins", "DRAW": "draws",
        "PLAYER_1_ERROR": "player_1_errors", "PLAYER_2_ERROR": "player_2_errors",
        "OTHER_ERROR": "other_errors",
    }  # fmt: skip
    for match in matches:
        record[counter[match["result"]]] += 1
        record["player_1_score"] += match["player_1_score"]
        record["player_2_score"] += match["player_2_score"]
    record.update(matches=matches, result=outcomes.duel_result(record), error_msg=None)
    return record


@pytest.fixture
def arena(transactional_db) -> dict[str, Any]:
    """An edition of Connect four (two duels played, one being played), a tic-tac-toe duel
    with wins, draws and errors, and a Quarto duel."""
    for name in ("ada", "brick", "columbo"):
        factories.valid_revision(factories.competitor("connect-four", name))
    edition = schedule_tournament(Environment.objects.get(slug="connect-four"), send=False)
    assert edition is not None
    duels = list(edition.duels.order_by("pk"))
    _finish(duels[0], _random_duel("connect-four", 24))
    _finish(duels[1], _random_duel("connect-four", 24))
    duels[2].state, duels[2].matches_done, duels[2].num_matches = Duel.RUNNING, 9, 24
    duels[2].save()

    clean, failing = play(num_matches=30), play("hostile/exception_in_step", 6)
    mixed = _counted([*clean["matches"][:12], *failing["matches"], *clean["matches"]])
    tic_tac_toe = make_duel(mixed, names=("minimax", "crashy"))
    quarto = make_duel(
        _random_duel("quarto", 4),
        environment=Environment.objects.get(slug="quarto"),
        names=("quartz", "marble"),
    )
    return {
        "edition": edition,
        "c4": duels[0],
        "running": duels[2],
        "ttt": tic_tac_toe,
        "quarto": quarto,
    }


def _publish_a_match(duel: Duel, moves: int) -> list[int]:
    """A match under way on the duel's live channel, as the runner publishes it: player 2
    moves first; returns the columns played."""
    game = environments.new_game("connect-four")
    game.reset()
    events: list[dict[str, Any]] = [
        {"kind": "match", "match": 3, "first_player": 2, "state": game.state(), "tally": None}
    ]
    columns = []
    for k in range(moves):
        action = game.legal_actions()[(3 * k + 1) % len(game.legal_actions())]
        game.play(action)
        columns.append(action + 1)
        player = 2 if k % 2 == 0 else 1
        events.append(
            {"kind": "move", "match": 3, "player": player, "action": action,
             "state": game.state(), "reward": 0}
        )  # fmt: skip
    channel = live.channel()
    assert channel is not None
    channel.publish(duel.pk, events)
    return columns


def test_a_spectator_finds_a_match_and_reads_it(page, live_server, arena, redis_broker):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The edition's grid: cells say the result and link to the duel (or the live page).
    edition = arena["edition"]
    page.goto(f"{live_server.url}/games/connect-four/editions/{edition.edition}/")
    cells = page.locator(".matrix td.cell.win a, .matrix td.cell.loss a, .matrix td.cell.draw a")
    assert cells.count() == 4
    for i in range(cells.count()):
        assert re.fullmatch(r"[WLD] \d+\u2013\d+", cells.nth(i).inner_text().strip())
    assert page.locator(".matrix td.cell.live a").count() == 2
    live_href = page.locator(".matrix td.cell.live a").first.get_attribute("href")
    assert live_href and live_href.endswith("/live/")
    title = page.locator(".matrix td.cell.win").first.get_attribute("title") or ""
    assert re.search(r" beat .*: \d+ matches won to \d+", title), title
    screenshot(page, "replays-01-grid")

    # The live cell leads to the duel being played: its moves in words, its legend.
    columns = _publish_a_match(arena["running"], 7)
    page.goto(f"{live_server.url}{live_href}")
    page.locator("#moves li").nth(6).wait_for()
    said = page.locator("#moves li .live-who").all_inner_texts()
    running = arena["running"]
    # Player 2 moved first: it plays Red.
    movers = [("Red", running.revision_2), ("Yellow", running.revision_1)] * 4
    assert said == [
        f"{mark}: column {c} {who.competitor.name} v1"
        for (mark, who), c in zip(movers, columns, strict=False)
    ]
    legend = page.locator("#legend li")
    assert legend.nth(0).inner_text().startswith("Red moves first")
    assert "player 2" in legend.nth(0).inner_text()
    assert legend.locator(".legend-mark svg").count() == 2
    assert re.match(r"Move 7: Red: column \d \(", page.locator("#live-move").inner_text())
    screenshot(page, "replays-02-live")

    # The duel of the first played pair, from the grid.
    c4 = arena["c4"]
    page.goto(f"{live_server.url}/games/connect-four/editions/{edition.edition}/")
    page.locator(f'.matrix a[href="/duels/{c4.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/duels/{c4.pk}/$"))
    page.get_by_role("link", name=re.compile(r"^Won by player 1 \d+$")).click()
    page.wait_for_url(re.compile(r"\?show=wins-1"))
    current = page.locator(".match-filter.current")
    assert current.inner_text().startswith("Won by player 1")
    badges = page.locator(".match-list td a.badge")
    assert badges.count() > 0
    assert page.locator(".match-list a.badge.win").count() == badges.count() // 2
    screenshot(page, "replays-03-duel-filtered")

    # A replay: the legend ties each player to the discs, each move says its column.
    first_win = badges.first.get_attribute("title") or ""
    assert first_win.startswith("Match ") and " won (score " in first_win
    badges.first.click()
    page.wait_for_url(re.compile(r"/matches/\d+/"))
    legend = page.locator("#legend li")
    assert legend.count() == 2
    assert legend.nth(0).locator("strong").inner_text() == "Red"
    assert legend.nth(1).locator("strong").inner_text() == "Yellow"
    assert legend.locator(".legend-mark svg").count() == 2, "the renderer drew both discs"
    assert "moves first" in legend.nth(0).inner_text()
    moves = page.locator("#steps .move-text")
    assert re.fullmatch(r"Red: column [1-7]", moves.nth(0).inner_text())
    assert re.fullmatch(r"Yellow: column [1-7]", moves.nth(1).inner_text())
    assert "numbered 1 to 7" in page.locator("#notation-help").inner_text()
    page.keyboard.press("End")
    status = page.locator("#step-status").inner_text()
    assert re.search(r"(Red|Yellow): column [1-7] \(", status), status
    # The caption under the board uses the legend's words.
    caption = page.locator("#board figcaption").inner_text()
    assert caption in ("Red wins", "Yellow wins", "Draw"), caption
    page.keyboard.press("Home")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    screenshot(page, "replays-04-replay-connect-four")

    # A duel with errors: the errors filter, its pages, and the jump to the first error.
    ttt = arena["ttt"]
    page.goto(f"{live_server.url}/duels/{ttt.pk}/")
    errors_link = page.get_by_role("link", name=re.compile(r"^Errors \d+$"))
    count = int(errors_link.inner_text().split()[-1])
    assert count == 6
    errors_link.click()
    page.wait_for_url(re.compile(r"\?show=errors"))
    assert page.locator(".match-list tbody tr[id^=match-]").count() == count
    screenshot(page, "replays-05-duel-errors")
    page.get_by_role("link", name=re.compile(r"^Jump to the first error")).click()
    page.wait_for_url(re.compile(rf"/duels/{ttt.pk}/matches/13/#step-\d+$"))
    assert page.locator("#steps li.current .badge").inner_text() == "end"
    assert "raised ValueError" in page.locator(".match-error-text").inner_text()
    assert re.fullmatch(r"[XO]: [abc][123]", page.locator("#steps .move-text").first.inner_text())
    screenshot(page, "replays-06-replay-first-error")

    # Quarto: the piece placed, its square and the piece given.
    page.goto(f"{live_server.url}/duels/{arena['quarto'].pk}/matches/1/#step-3")
    first = page.locator("#steps .move-text").first.inner_text()
    assert re.fullmatch(
        r"Player [12] places piece 15 \(tall dark square hollow\) on [a-d][1-4] "
        r"and gives piece \d+",
        first,
    ), first
    assert page.locator("#legend").count() == 0, "both players place the same pieces"
    assert "places piece" in page.locator("#step-status").inner_text()
    screenshot(page, "replays-07-replay-quarto")
    assert errors == []
