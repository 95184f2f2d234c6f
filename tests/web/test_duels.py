"""The duel page: result, counters, the list of matches, and the player logs by visibility."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Duel, Environment, User
from run_duel import run_duel
from run_duel.players import load_player
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = pytest.mark.django_db

SECRET_LOG = "minimax thinks: my secret opening book"
PUBLIC_LOG = "random says: nothing to hide"


# --- realistic records, played by the example players -------------------------------------


def play(player_2: str = "dummy", num_matches: int = 10) -> dict[str, Any]:
    """A tic-tac-toe duel record, as the runner writes it; player 1 is the random player."""
    return run_duel(
        "tic-tac-toe",
        load_player(EXAMPLE_PLAYERS / "random", label="player 1"),
        load_player(EXAMPLE_PLAYERS / Path(player_2), label="player 2"),
        num_matches,
    )


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    return play()


@pytest.fixture(scope="module")
def failing_record() -> dict[str, Any]:
    """Player 2 raises in step(): its matches are its errors, quoting the end of its log."""
    return play("hostile/exception_in_step", 4)


def make_duel(
    record: dict[str, Any] | None,
    *,
    owner: User | None = None,
    public_1: bool = False,
    public_2: bool = True,
    state: str = Duel.COMPLETED,
    log_1: str = SECRET_LOG,
    log_2: str = PUBLIC_LOG,
    names: tuple[str, str] = ("minimax", "random-bot"),
    **fields: Any,
) -> Duel:
    """A duel row between a private competitor of ``owner`` (player 1) and someone's public one;
    its JSON record and logs written through the storage, as duel_runner.tasks does."""
    revision_1 = factories.valid_revision(
        factories.competitor(name=names[0], owner=owner, is_public=public_1)
    )
    revision_2 = factories.valid_revision(factories.competitor(name=names[1], is_public=public_2))
    num_matches = len(record["matches"]) if record else 10
    values: dict[str, Any] = {
        "environment": Environment.objects.get(slug="tic-tac-toe"),
        "revision_1": revision_1,
        "revision_2": revision_2,
        "rules_version": 1,
        "num_matches": num_matches,
        "state": state,
    }
    if record is not None:
        values["matches_done"] = len(record["matches"])
        values["result"] = record["result"]
        values["error_msg"] = record["error_msg"] or ""
        for key in (
            "player_1_wins", "player_2_wins", "draws", "player_1_errors", "player_2_errors",
            "other_errors", "player_1_score", "player_2_score",
        ):  # fmt: skip
            values[key] = record[key]
    values.update(fields)
    duel = Duel.objects.create(**values)
    if record is not None:
        duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(record).encode()), False)
        duel.log_1.save(f"{duel.pk}-1.log", ContentFile(log_1.encode()), save=False)
        duel.log_2.save(f"{duel.pk}-2.log", ContentFile(log_2.encode()), save=False)
        duel.save()
    return duel


def page_of(client, duel: Duel, **params: Any) -> str:
    response = client.get(reverse("duel", args=[duel.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def match_rows(page: str) -> list[str]:
    return re.findall(r'<tr id="match-(\d+)"', page)


# --- the page ------------------------------------------------------------------------------


def test_it_renders_a_finished_duel_for_everyone(
    record, owner, anonymous, as_stranger, as_owner, as_staff
):
    duel = make_duel(record, owner=owner)
    for client in (anonymous, as_stranger, as_owner, as_staff):
        page = page_of(client, duel)
        assert "minimax" in page and "random-bot" in page
        assert reverse("competitor", args=["tic-tac-toe", "minimax"]) in page
        assert reverse("competitor", args=["tic-tac-toe", "random-bot"]) in page
        assert reverse("profile", args=["owner"]) in page
        assert f'<td class="num">{record["player_1_wins"]}</td>' in page
        assert match_rows(page) == [str(n) for n in range(1, 11)]


@pytest.mark.parametrize(
    ("result", "words"),
    [("PLAYER_1_WIN", "minimax v1 won"), ("PLAYER_2_WIN", "random-bot v1 won"), ("DRAW", "draw")],
)
def test_it_says_the_result_in_words(record, anonymous, result, words):
    duel = make_duel(record, result=result)
    assert f"<strong>{words}</strong>" in page_of(anonymous, duel)


def test_it_lists_every_match_with_who_started_and_its_replay(record, anonymous):
    duel = make_duel(record)
    page = page_of(anonymous, duel)
    for number, match in enumerate(record["matches"], start=1):
        row = page.split(f'<tr id="match-{number}"')[1].split("</tr>")[0]
        started = "P1" if match["first_player"] == "PLAYER_1" else "P2"
        assert f"<td>{started} " in row
        assert f"{match['player_1_score']} : {match['player_2_score']}" in row
        assert reverse("replay", args=[duel.pk, number]) in row
        if match["result"] == "PLAYER_1_WIN":
            assert row.count('class="badge win"') == 1 and row.count('class="badge loss"') == 1
    # Pairs of matches: player 1 starts the first of each pair.
    assert record["matches"][0]["first_player"] == "PLAYER_1"
    assert record["matches"][1]["first_player"] == "PLAYER_2"


def test_a_long_duel_is_listed_by_pages_of_100(record, anonymous):
    long_record = copy.deepcopy(record)
    long_record["matches"] = [record["matches"][i % 10] for i in range(250)]
    duel = make_duel(long_record)
    assert match_rows(page_of(anonymous, duel)) == [str(n) for n in range(1, 101)]
    page_3 = page_of(anonymous, duel, page=3)
    assert match_rows(page_3) == [str(n) for n in range(201, 251)]
    assert "Matches 201\u2013250 of 250" in page_3
    assert 'href="?page=2#matches"' in page_3
    assert reverse("replay", args=[duel.pk, 250]) in page_3


def test_a_private_log_is_shown_to_its_owner_and_staff_only(
    record, owner, anonymous, as_stranger, as_owner, as_staff
):
    duel = make_duel(record, owner=owner)
    for client in (as_owner, as_staff):
        page = page_of(client, duel)
        assert SECRET_LOG in page and PUBLIC_LOG in page
    for client in (anonymous, as_stranger):
        page = page_of(client, duel)
        assert SECRET_LOG not in page
        assert "This log is private" in page
        assert PUBLIC_LOG in page  # the public competitor's log is everyone's


def test_a_public_competitors_log_is_shown_to_everyone(record, anonymous):
    duel = make_duel(record, public_1=True)
    page = page_of(anonymous, duel)
    assert SECRET_LOG in page and PUBLIC_LOG in page
    assert "This log is private" not in page


def test_a_running_duel_shows_its_progress(anonymous):
    duel = make_duel(None, state=Duel.RUNNING, matches_done=3)
    page = page_of(anonymous, duel)
    assert "3 of 10 matches played" in page
    assert 'value="3" max="10"' in page
    assert "web/duel.js" in page
    assert "available when the duel ends" in page
    assert match_rows(page) == []
    data = anonymous.get(reverse("duel-progress", args=[duel.pk])).json()
    assert data == {"state": "RUNNING", "matches_done": 3, "num_matches": 10}


def test_a_scheduled_duel_says_it_waits(anonymous):
    duel = make_duel(None, state=Duel.SCHEDULED)
    page = page_of(anonymous, duel)
    assert "waiting to be played" in page
    assert "web/duel.js" not in page


def test_a_failed_duel_shows_its_error(record, anonymous):
    duel = make_duel(
        record,
        state=Duel.FAILED,
        result="ERROR",
        error_msg="arena error in step() of match 4: the Docker daemon went away",
    )
    page = page_of(anonymous, duel)
    assert "failed: arena error in step() of match 4: the Docker daemon went away" in page
    assert 'class="badge failed"' in page


def test_match_errors_are_listed_and_quoted_logs_follow_the_log_rules(
    failing_record, anonymous, as_staff
):
    # Player 2 (random-bot) is private here: the traceback quoted from its log is too.
    duel = make_duel(failing_record, public_2=False, state=Duel.COMPLETED)
    stranger_page = page_of(anonymous, duel)
    assert stranger_page.count("player 2 raised ValueError: exception_in_step") >= 4
    assert "Traceback" not in stranger_page
    assert "[the end of player 2&#x27;s log is private]" in stranger_page
    staff_page = page_of(as_staff, duel)
    assert "Traceback (most recent call last)" in staff_page


def test_logs_and_error_messages_are_escaped(record, as_staff):
    hostile = copy.deepcopy(record)
    hostile["matches"][0]["error_msg"] = 'player 1 printed <img src=x onerror="alert(2)">'
    duel = make_duel(
        hostile,
        public_1=True,
        log_1="<script>alert(1)</script>",
        state=Duel.FAILED,
        result="ERROR",
        error_msg="<b>arena</b> error",
    )
    page = page_of(as_staff, duel)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>arena</b>" not in page and "&lt;b&gt;arena&lt;/b&gt; error" in page


def test_an_unreadable_record_does_not_break_the_page(record, anonymous):
    duel = make_duel(record)
    duel.record_file.storage.delete(duel.record_file.name)
    page = page_of(anonymous, duel)
    assert "cannot be read from storage" in page
    assert "minimax v1 won" in page or "draw" in page or "random-bot v1 won" in page


def test_an_unknown_duel_is_404(anonymous):
    assert anonymous.get(reverse("duel", args=[999999])).status_code == 404


def test_its_queries_do_not_grow_with_the_number_of_matches(record, owner, as_owner):
    small = make_duel(record, owner=owner)
    big_record = copy.deepcopy(record)
    big_record["matches"] = [record["matches"][i % 10] for i in range(1000)]
    big = make_duel(big_record, owner=owner, names=("alpha", "beta"))
    counts = []
    for duel in (small, big):
        page_of(as_owner, duel)  # warm up (session, content types)
        with CaptureQueriesContext(connection) as queries:
            page_of(as_owner, duel)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 5


# --- finding a match: filters, counts, the first error, the cells in words -----------------


def _mixed_record(record: dict[str, Any], failing: dict[str, Any], count: int) -> dict[str, Any]:
    """``count`` matches cycling through the real ones of both records: wins, draws, errors."""
    pool = record["matches"] + failing["matches"]
    mixed = copy.deepcopy(record)
    mixed["matches"] = [copy.deepcopy(pool[i % len(pool)]) for i in range(count)]
    return mixed


def _expected(matches: list[dict[str, Any]], keep: Any) -> list[str]:
    return [str(n) for n, match in enumerate(matches, start=1) if keep(match)]


def test_filters_count_and_list_the_matches_of_each_kind(record, failing_record, anonymous):
    mixed = _mixed_record(record, failing_record, 42)
    matches = mixed["matches"]
    duel = make_duel(mixed)
    keeps = {
        "wins-1": lambda m: m["result"] == "PLAYER_1_WIN",
        "wins-2": lambda m: m["result"] == "PLAYER_2_WIN",
        "draws": lambda m: m["result"] == "DRAW",
        "errors": lambda m: m["result"].endswith("_ERROR"),
        "first-1": lambda m: m["first_player"] == "PLAYER_1",
        "first-2": lambda m: m["first_player"] == "PLAYER_2",
    }
    everything = page_of(anonymous, duel)
    assert match_rows(everything) == [str(n) for n in range(1, 43)]
    assert 'aria-current="true">All <span class="count">42</span>' in everything
    for show, keep in keeps.items():
        expected = _expected(matches, keep)
        page = page_of(anonymous, duel, show=show)
        assert match_rows(page) == expected, show
        count = f'<span class="count">{len(expected)}</span>'
        assert count in page.split('class="match-filter current"')[1].split("</strong>")[0]
        if expected:  # the unfiltered page links to it with its count
            assert f'href="?show={show}#matches"' in everything
    assert _expected(matches, keeps["errors"]), "the mix has errors"
    # An unknown filter shows everything rather than failing.
    assert match_rows(page_of(anonymous, duel, show="nonsense")) == match_rows(everything)


def test_a_filter_keeps_its_pages(record, failing_record, anonymous):
    mixed = _mixed_record(record, failing_record, 800)
    duel = make_duel(mixed)
    errors = _expected(mixed["matches"], lambda m: m["result"].endswith("_ERROR"))
    assert len(errors) > 200
    page_1 = page_of(anonymous, duel, show="errors")
    assert match_rows(page_1) == errors[:100]
    assert 'href="?show=errors&amp;page=2#matches"' in page_1
    page_3 = page_of(anonymous, duel, show="errors", page=3)
    assert match_rows(page_3) == errors[200:300]
    assert f"Matches 201\u2013{min(300, len(errors))} of {len(errors)} shown" in page_3
    assert 'href="?show=errors&amp;page=2#matches" rel="prev"' in page_3


def test_it_jumps_to_the_first_error(record, failing_record, anonymous):
    mixed = _mixed_record(record, failing_record, 30)
    duel = make_duel(mixed)
    first = next(n for n, m in enumerate(mixed["matches"], 1) if m["result"].endswith("_ERROR"))
    page = page_of(anonymous, duel)
    link = reverse("replay", args=[duel.pk, first])
    # It opens the replay on the last position, where the match stopped.
    step = len(mixed["matches"][first - 1]["states"]) - 1
    assert f'class="button small first-error" href="{link}#step-{step}"' in page
    assert f"Jump to the first error: match {first}" in page
    assert anonymous.get(link).status_code == 200
    # No error, no jump; a filter with nothing in it says so and links back to all.
    clean = make_duel(record, names=("alpha", "beta"))
    assert "first-error" not in page_of(anonymous, clean)
    empty = page_of(anonymous, clean, show="errors")
    assert match_rows(empty) == [] and "No match of this kind" in empty


def test_each_cell_tells_the_result_in_words_and_links_to_the_match(record, anonymous):
    duel = make_duel(record)
    page = page_of(anonymous, duel)
    for number, match in enumerate(record["matches"], start=1):
        row = page.split(f'<tr id="match-{number}"')[1].split("</tr>")[0]
        replay = reverse("replay", args=[duel.pk, number])
        scores = f"{match['player_1_score']} : {match['player_2_score']}"
        words = {
            "PLAYER_1_WIN": ("won", "lost"),
            "PLAYER_2_WIN": ("lost", "won"),
            "DRAW": ("drew", "drew"),
        }[match["result"]]
        for side, verb, name in ((1, words[0], "minimax v1"), (2, words[1], "random-bot v1")):
            title = f"Match {number}: player {side}, {name}, {verb} (score {scores})"
            assert f'href="{replay}" title="{title}; open the replay"' in row
