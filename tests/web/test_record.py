"""A competitor's record and a game's first-player panel, each number counted by hand from real
duel records (played in-process by the example players)."""

from __future__ import annotations

import html
import itertools
import json
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import (
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
)
from tests.platform import factories
from tests.web.test_duels import play
from web import records
from web.views import competitors as competitor_views

pytestmark = pytest.mark.django_db

DASH = "-"  # between won, drawn and lost (W-D-L), as every page writes them


# --- the data: hero plays alpha twice (as player 1, then as player 2) and beta --------------


def duel(first: Revision, second: Revision, record: dict[str, Any] | None, **fields: Any) -> Duel:
    """A finished duel row between two revisions, its record stored as duel_runner writes it."""
    values: dict[str, Any] = {
        "environment": first.competitor.environment,
        "revision_1": first,
        "revision_2": second,
        "rules_version": 1,
        "num_matches": len(record["matches"]) if record else 4,
        "state": Duel.COMPLETED,
    }
    if record is not None:
        values["result"] = record["result"]
        values["matches_done"] = len(record["matches"])
        values.update({key: record[key] for key in Duel.COUNTERS})
    values.update(fields)
    row = Duel.objects.create(**values)
    if record is not None:
        row.record_file.save(f"{row.pk}.json", ContentFile(json.dumps(record).encode()), True)
    return row


def edition(number: int, rows: dict[Revision, tuple[int | None, float | None]], duels=()):
    tournament = Tournament.objects.create(
        environment=Environment.objects.get(slug="tic-tac-toe"), edition=number
    )
    for revision, (rank, mu) in rows.items():
        TournamentParticipant.objects.create(
            tournament=tournament,
            revision=revision,
            rank=rank,
            rating_mu=mu,
            rating_sigma=None if mu is None else 2.0,
            rating=None if mu is None else mu - 3 * 2.0,  # as the ranking stores it
        )
    for played in duels:
        TournamentDuel.objects.create(tournament=tournament, duel=played, round=1)
    return tournament


@pytest.fixture(scope="module")
def records_played() -> dict[str, dict[str, Any]]:
    """Random against dummy (10 matches), random against random (6), dummy against random (8)."""
    return {"one": play("dummy", 10), "two": play("random", 6), "three": play("dummy", 8)}


@pytest.fixture
def hero(owner, records_played) -> dict[str, Any]:
    hero = factories.competitor(name="hero", owner=owner, is_public=True)
    v1, v2 = factories.valid_revision(hero), factories.valid_revision(hero)
    alpha = factories.valid_revision(factories.competitor(name="alpha"))
    beta = factories.valid_revision(factories.competitor(name="beta"))
    d1 = duel(v1, alpha, records_played["one"])  # hero is player 1
    d2 = duel(alpha, v2, records_played["two"])  # hero is player 2
    d3 = duel(v2, beta, records_played["three"])  # hero is player 1
    failed = duel(v2, beta, None, state=Duel.FAILED, result="ERROR", error_msg="arena down")
    edition(1, {v1: (2, 20.0), alpha: (1, 24.0)}, [d1])
    edition(2, {v2: (1, 27.5), alpha: (3, 22.0), beta: (2, 25.0)}, [d2, d3, failed])
    return {
        "competitor": hero,
        "duels": [(d1, 1), (d2, 2), (d3, 1)],
        "failed": failed,
        "records": [records_played["one"], records_played["two"], records_played["three"]],
    }


def page(client, competitor: Competitor, **params: Any) -> str:
    url = reverse("competitor", args=[competitor.environment.slug, competitor.name])
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def section(text: str, start: str, end: str = "</table>") -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


# --- counting by hand, from the records alone -------------------------------------------------


def hand_matches(record: dict[str, Any], side: int) -> tuple[int, int, int]:
    """Matches (won, lost, drawn) of ``side``: its wins and its opponent's errors, etc."""
    me, other = f"PLAYER_{side}", f"PLAYER_{3 - side}"
    won = lost = drawn = 0
    for match in record["matches"]:
        result = match["result"]
        if result in (f"{me}_WIN", f"{other}_ERROR"):
            won += 1
        elif result in (f"{other}_WIN", f"{me}_ERROR"):
            lost += 1
        elif result == "DRAW":
            drawn += 1
    return won, lost, drawn


def hand_outcome(record: dict[str, Any], side: int) -> str:
    if record["result"] == "DRAW":
        return "drawn"
    return "won" if record["result"] == f"PLAYER_{side}_WIN" else "lost"


# --- the page -----------------------------------------------------------------------------


def test_it_lists_its_duels_from_its_side_each_linking_to_the_duel(anonymous, hero):
    text = page(anonymous, hero["competitor"])
    table = section(text, '<table class="record-duels">')
    rows = table.split("<tr>")[2:]  # after the header row
    assert len(rows) == 4
    newest_first = [hero["failed"], *[d for d, _ in hero["duels"]][::-1]]
    for row, played in zip(rows, newest_first, strict=True):
        assert reverse("duel", args=[played.pk]) in row
    for (played, side), record in zip(hero["duels"], hero["records"], strict=True):
        row = next(r for r in rows if reverse("duel", args=[played.pk]) in r)
        won, lost, drawn = hand_matches(record, side)
        assert f">{won}{DASH}{drawn}{DASH}{lost}</a>" in row
        assert f">{hand_outcome(record, side)}</a>" in row
    failed_row = next(r for r in rows if reverse("duel", args=[hero["failed"].pk]) in r)
    assert ">error</a>" in failed_row
    assert reverse("tournament", args=["tic-tac-toe", 2]) in failed_row


def test_its_duels_filter_by_result_opponent_and_edition(anonymous, hero):
    competitor = hero["competitor"]

    def listed(**params: Any) -> set[int]:
        text = page(anonymous, competitor, **params)
        if '<table class="record-duels">' not in text:
            return set()
        table = section(text, '<table class="record-duels">')
        return {int(pk) for pk in re.findall(r'href="/duels/(\d+)/"', table)}

    by_outcome: dict[str, set[int]] = {"won": set(), "lost": set(), "drawn": set()}
    for (played, side), record in zip(hero["duels"], hero["records"], strict=True):
        by_outcome[hand_outcome(record, side)].add(played.pk)
    for outcome, expected in by_outcome.items():
        assert listed(result=outcome) == expected, outcome
    assert listed(result="error") == {hero["failed"].pk}
    assert listed(opponent="alpha") == {hero["duels"][0][0].pk, hero["duels"][1][0].pk}
    assert listed(opponent="beta", result="error") == {hero["failed"].pk}
    assert listed(edition="1") == {hero["duels"][0][0].pk}
    assert listed(edition="2", opponent="alpha") == {hero["duels"][1][0].pk}
    assert listed(result="nonsense") == listed()  # an unknown value filters nothing
    text = page(anonymous, competitor, opponent="nobody")
    assert "No duel matches these filters" in text


def test_its_duels_are_paginated_keeping_the_filters(anonymous, hero, monkeypatch):
    monkeypatch.setattr(competitor_views, "DUELS_PER_PAGE", 1)
    text = page(anonymous, hero["competitor"], opponent="alpha")
    assert '<nav class="record-pages"' in text
    assert "?opponent=alpha&amp;page=2#duels" in text
    second = page(anonymous, hero["competitor"], opponent="alpha", page=2)
    table = section(second, '<table class="record-duels">')
    assert reverse("duel", args=[hero["duels"][0][0].pk]) in table  # the older one


def test_head_to_head_sums_every_duel_against_each_opponent(anonymous, hero):
    table = section(page(anonymous, hero["competitor"]), '<table class="record-h2h">')
    rows = {re.search(r">(\w+)</a></td>", row).group(1): row for row in table.split("<tr>")[2:]}
    assert set(rows) == {"alpha", "beta"}
    (_, s1), (d2, s2), (d3, s3) = hero["duels"]
    r1, r2, r3 = hero["records"]
    for name, played in (("alpha", [(r1, s1), (r2, s2)]), ("beta", [(r3, s3)])):
        outcomes = [hand_outcome(record, side) for record, side in played]
        matches = [hand_matches(record, side) for record, side in played]
        won, lost, drawn = (sum(m[i] for m in matches) for i in range(3))
        duels = f"{outcomes.count('won')}</span>{DASH}{outcomes.count('drawn')}{DASH}"
        duels += f'<span class="record-loss">{outcomes.count("lost")}</span>'
        assert duels in rows[name]
        assert f'<td class="num">{won}{DASH}{drawn}{DASH}{lost}</td>' in rows[name]
        assert f"{round(100 * won / (won + lost + drawn))}%" in rows[name]
    # The latest duel against each (the failed one against beta counts for nobody).
    assert reverse("duel", args=[d2.pk]) in rows["alpha"]
    assert reverse("duel", args=[d3.pk]) in rows["beta"]
    assert f">{hand_outcome(r2, s2)}</a>" in rows["alpha"]


def test_win_rates_as_first_and_second_mover_come_from_the_records(anonymous, hero):
    first = [0, 0, 0]
    second = [0, 0, 0]
    for (_, side), record in zip(hero["duels"], hero["records"], strict=True):
        me, other = f"PLAYER_{side}", f"PLAYER_{3 - side}"
        for match in record["matches"]:
            seat = first if match["first_player"] == me else second
            if match["result"] in (f"{me}_WIN", f"{other}_ERROR"):
                seat[0] += 1
            elif match["result"] in (f"{other}_WIN", f"{me}_ERROR"):
                seat[1] += 1
            elif match["result"] == "DRAW":
                seat[2] += 1
    assert sum(first) == sum(second) == 12  # (10 + 6 + 8) / 2: duels alternate the first mover
    cards = section(page(anonymous, hero["competitor"]), 'id="seats"', "</section>")
    assert "latest 3 duels" in cards
    for label, (won, lost, drawn) in (("Moving first", first), ("Moving second", second)):
        block = section(cards, f"<strong>{label}</strong>", "</div>")
        assert f'won {round(100 * won / 12)}%</span> <span class="muted">({won})' in block
        assert f'lost {round(100 * lost / 12)}%</span> <span class="muted">({lost})' in block
        assert f'drawn {round(100 * drawn / 12)}%</span> <span class="muted">({drawn})' in block


def test_the_move_time_profile_is_its_own_moves_against_the_deadline(anonymous, hero):
    times_ms: list[int] = []
    for (_, side), record in zip(hero["duels"], hero["records"], strict=True):
        for match in record["matches"]:
            own = 0 if match["first_player"] == f"PLAYER_{side}" else 1
            times_ms += [round(s * 1000) for s in match["move_seconds"][own::2]]
    times_ms.sort()
    median = times_ms[(len(times_ms) + 1) // 2 - 1]  # nearest rank
    p95 = times_ms[-(-95 * len(times_ms) // 100) - 1]
    card = section(page(anonymous, hero["competitor"]), 'id="move-times"', "</section>")
    assert times_ms[-1] < 1000  # in-process players: every time reads in milliseconds
    assert f"<dt>Median</dt><dd>{median} ms</dd>" in card
    assert f"<dt>95th percentile</dt><dd>{p95} ms</dd>" in card
    assert f"<dt>Slowest</dt><dd>{times_ms[-1]} ms</dd>" in card
    deadline = Environment.objects.get(slug="tic-tac-toe").move_timeout
    assert f"<dt>Deadline</dt><dd>{deadline:g} s</dd>" in card
    assert f"{len(times_ms)} moves" in card


def test_summaries_are_read_once_then_come_from_the_cache(hero):
    competitor = hero["competitor"]
    before = records.seat_record(competitor)
    for played, _ in hero["duels"]:  # the files are gone: only the cache can answer now
        played.record_file.storage.delete(played.record_file.name)
    assert records.seat_record(competitor) == before


def test_the_history_chart_has_integer_rank_ticks_and_a_rating_scale(anonymous, hero):
    text = page(anonymous, hero["competitor"])
    rank_svg = section(text, '<svg class="rank-plot"', "</svg>")
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', rank_svg)
    assert ticks == ["1", "2", "3", "1", "2"]  # ranks 1..3 (the largest field), editions 1, 2
    assert ">edition</text>" in rank_svg and ">rank</text>" in rank_svg
    assert "Edition 1: rank 2 of 2" in rank_svg and "Edition 2: rank 1 of 3" in rank_svg
    rating_svg = section(text, '<svg class="rating-plot"', "</svg>")
    labels = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', rating_svg)
    # mu 20 then 27.5, sigma 2: from 18 to 29.5, on a scale of round steps.
    values = [float(label) for label in labels[:-2]]
    assert values[0] <= 18 and values[-1] >= 29.5
    steps = {round(b - a, 6) for a, b in itertools.pairwise(values)}
    assert len(steps) == 1
    assert "Edition 2: rating 27.5 ± 2.0" in rating_svg
    tiles = section(text, 'id="record-summary"', "</div>\n</div>")
    # The rating shown is the conservative one, mu - 3 sigma, as on the leaderboard.
    assert '1<span class="muted"> of 3</span>' in tiles and "<strong>21.5</strong>" in tiles


def test_a_failed_revision_shows_one_line_linking_to_its_page(as_owner, anonymous, owner):
    competitor = factories.competitor(name="broken", owner=owner)
    traceback = (
        "player 1 crashed in start() of match 1\n"
        "--- last lines of player 1's log ---\n"
        "Traceback (most recent call last):\n"
        '  File "player.py", line 3, in <module>\n'
        "    import torch\n"
        "ModuleNotFoundError: No module named 'torch'\n"
    )
    factories.valid_revision(competitor, test_state=Revision.TEST_FAILED, test_error=traceback)
    factories.valid_revision(
        competitor,
        image_state=Revision.IMAGE_FAILED,
        test_state=Revision.TEST_PENDING,
        image_error="Traceback (most recent call last):\n  File x\nValueError: " + "y" * 400,
    )
    text = page(as_owner, competitor)
    reasons = re.findall(r'<p class="record-reason">(.*?)</p>', text)
    assert len(reasons) == 2
    assert reverse("revision", args=["tic-tac-toe", "broken", 2]) in reasons[0]
    assert "Build error:</strong> ValueError: yyy" in reasons[0]
    assert html.unescape(reasons[0]).endswith("…</a>") and len(reasons[0]) < 400
    assert "Validation error:</strong> player 1 crashed in start() of match 1</a>" in reasons[1]
    assert "ModuleNotFoundError" not in text  # the rest is on the revision page
    assert "record-reason" not in page(anonymous, competitor)  # errors are private


def test_one_line_picks_the_line_that_says_what_went_wrong():
    assert records.one_line("\n\n  first line \nsecond") == "first line"
    assert records.one_line("Traceback (most recent call last):\n  File\nKeyError: 'x'") == (
        "KeyError: 'x'"
    )
    assert records.one_line("--- separator\nreal") == "real"
    assert records.one_line("") == ""
    assert records.one_line("a" * 20, limit=10) == "a" * 9 + "…"


def test_durations_read_in_milliseconds_under_a_second():
    assert records.duration(0.0) == "0 ms"
    assert records.duration(0.0424) == "42 ms"
    assert records.duration(1.256) == "1.26 s"


def test_rank_ticks_are_whole_ranks_from_1_to_the_field_size():
    assert records.rank_ticks(2) == [1, 2]
    assert records.rank_ticks(10) == list(range(1, 11))
    assert records.rank_ticks(12) == [1, 4, 6, 8, 10, 12]
    assert records.rank_ticks(13) == [1, 4, 6, 8, 10, 13]
    assert records.rank_ticks(40) == [1, 10, 20, 30, 40]


def test_a_competitor_without_duels_says_so(anonymous, owner):
    competitor = factories.competitor(name="newcomer", owner=owner)
    factories.valid_revision(competitor)
    text = page(anonymous, competitor)
    assert "No duel yet" in text
    assert 'id="seats"' not in text and 'id="move-times"' not in text and "<svg" not in text


def test_its_queries_do_not_grow_with_its_duels(anonymous, hero, records_played):
    url = reverse("competitor", args=["tic-tac-toe", "hero"])
    anonymous.get(url)  # the summaries are cached from here on
    with CaptureQueriesContext(connection) as few:
        anonymous.get(url)
    v2 = hero["competitor"].revisions.get(version=2)
    for _ in range(5):
        rival = factories.valid_revision(factories.competitor())
        duel(v2, rival, records_played["three"])
    anonymous.get(url)
    with CaptureQueriesContext(connection) as many:
        anonymous.get(url)
    assert len(many) == len(few)


# --- the game page: the first-player advantage ----------------------------------------------


def test_the_game_page_shows_the_first_player_advantage(anonymous, hero, records_played):
    first = second = drawn = 0
    for record in hero["records"]:
        for match in record["matches"]:
            mover = match["first_player"].split("_")[1]
            if match["result"] == "DRAW":
                drawn += 1
            elif match["result"] == f"PLAYER_{mover}_WIN":
                first += 1
            elif match["result"].endswith("_WIN"):
                second += 1
    total = first + second + drawn

    def panel() -> str:
        response = anonymous.get(reverse("game", args=["tic-tac-toe"]))
        return section(response.content.decode(), 'id="first-player"', "</section>")

    text = panel()
    assert f"First mover won</dt><dd>{round(100 * first / total, 1)}% " in text
    assert f"({first})" in text and f"({second})" in text and f"({drawn})" in text
    assert f"{total} matches played to the end in 3 finished duels;" in text
    # The aggregate is cached, yet a duel that finishes counts at once.
    alpha = Revision.objects.get(competitor__name="alpha")
    beta = Revision.objects.get(competitor__name="beta")
    duel(alpha, beta, records_played["one"])
    assert "in 4 finished duels" in panel()


def test_a_game_without_finished_duels_has_no_panel(anonymous):
    response = anonymous.get(reverse("game", args=["quarto"]))
    assert 'id="first-player"' not in response.content.decode()


def test_a_cold_cache_is_filled_over_several_views_never_all_at_once(hero):
    game = Environment.objects.get(slug="tic-tac-toe")
    first = records.first_player_advantage(game, reads=2)
    assert (first.duels, first.pending) == (2, 1)  # two records read, one left for later
    second = records.first_player_advantage(game, reads=2)
    assert (second.duels, second.pending) == (3, 0)
    assert records.first_player_advantage(game, reads=0) == second  # complete, from the cache


def test_a_player_near_the_deadline_is_warned():
    # 90 moves of 0.1 s and 10 of 6 s, against a 10 s deadline: the 95th percentile is 6 s.
    profile = records.move_profile({100: 90, 6000: 10}, 10.0)
    assert (profile.median, profile.p95, profile.slowest) == (0.1, 6.0, 6.0)
    assert profile.p95_share == 60 and profile.warning
    assert profile.marks["p95_width"] == round(0.6 * profile.marks["track"], 1)
    calm = records.move_profile({5: 99, 40: 1}, 10.0)
    assert (calm.median_text, calm.p95_text, calm.warning) == ("5 ms", "5 ms", False)
    assert records.move_profile({}, 10.0) is None


def test_move_times_wait_for_duels_that_recorded_them(anonymous, owner, records_played):
    old = json.loads(json.dumps(records_played["three"]))
    for match in old["matches"]:
        del match["move_seconds"]  # a record played before the arena timed moves
    mine = factories.valid_revision(factories.competitor(name="veteran", owner=owner))
    duel(mine, factories.valid_revision(factories.competitor(name="rival")), old)
    card = section(page(anonymous, mine.competitor), 'id="move-times"', "</section>")
    assert "appear here after its next duels" in card
