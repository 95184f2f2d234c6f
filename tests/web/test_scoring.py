"""Results explained, one vocabulary: the scoring page, and the same numbers with the same
names, order and format on the leaderboard, the duel page and the game page."""

from __future__ import annotations

import html
import re

import pytest
from django.db import transaction
from django.urls import reverse

from arena import results
from core.models import Duel, Environment, Tournament
from environments.registry import info as load_info
from tests.platform import factories
from tests.web.test_duels import make_duel, play
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = pytest.mark.django_db


def edition(game: str = "quarto") -> Tournament:
    """A finished edition of four: alpha beats everyone, then mixed results and a draw."""
    revisions = {
        name: factories.valid_revision(factories.competitor(game, name))
        for name in ("alpha", "bravo", "charlie", "delta")
    }
    tournament = schedule_tournament(Environment.objects.get(slug=game), send=False)
    strength = {"alpha": 4, "bravo": 2, "charlie": 2, "delta": 1}
    by_revision = {revision.pk: name for name, revision in revisions.items()}
    for duel in tournament.duels.all():
        one, two = by_revision[duel.revision_1_id], by_revision[duel.revision_2_id]
        if strength[one] == strength[two]:
            duel.result, scores = "DRAW", (150.0, 150.0)
        elif strength[one] > strength[two]:
            duel.result, scores = "PLAYER_1_WIN", (1200.5, -300.0)
        else:
            duel.result, scores = "PLAYER_2_WIN", (-300.0, 1200.5)
        duel.state = Duel.COMPLETED
        duel.player_1_score, duel.player_2_score = scores
        duel.save()
    with transaction.atomic():  # as the duel's task calls it (also under a live server)
        duel_finished(tournament.duels.first())
    tournament.refresh_from_db()
    return tournament


def text(page: str) -> str:
    """The page's words, tags and runs of white space gone."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def header(page: str, table_class: str) -> list[str]:
    table = page.split(f'class="{table_class}"')[1].split("</thead>")[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    return [text(cell).split(" ")[0] for cell in cells]


def rows(page: str, table_class: str) -> list[list[str]]:
    body = page.split(f'class="{table_class}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_scoring_page_gives_the_games_numbers_as_played(anonymous, settings):
    settings.ARENA_DUEL_MATCHES = 20
    settings.ARENA_VALIDATION_MATCHES = 6
    info = load_info("quarto")
    response = anonymous.get(reverse("scoring", args=["quarto"]))
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "How results are counted · Quarto" in words
    assert "duels of 20 matches" in words
    assert f"the game's info.yml asks for {info.num_matches}" in words
    assert "Matches per duel 20 shortened by this arena" in words
    assert "Matches of a validation 6" in words
    assert f"Time per move {info.move_timeout:g} s" in words
    assert f"Time to start {info.startup_timeout:g} s" in words
    assert f"Memory {info.memory}" in words
    assert f"more than {info.memory} of memory" in words
    # The rules, in the arena's words and with the rule modules' own numbers.
    assert "a duel won is worth 2 points , a draw 1" in words
    assert "Points , more first" in words and "then W , the duels won" in words
    assert "then Score" in words and "share a rank" in words and "1, 1, 3" in words
    assert "mu \u2212 3 \u00d7 sigma" in words
    for field, meaning in results.MEANINGS.items():
        if field not in ("rating_mu", "rating_sigma"):
            assert html.unescape(meaning) in words, field
    # The worked example adds up to the duel's length.
    example = rows(response.content.decode(), "table-wrap")
    assert example[0][1:4] and sum(int(n) for n in example[0][1:4]) == 20


def test_without_a_shorter_duel_it_says_the_info_yml_length(anonymous, settings):
    settings.ARENA_DUEL_MATCHES = 0
    words = text(anonymous.get(reverse("scoring", args=["connect-four"])).content.decode())
    matches = load_info("connect-four").num_matches
    assert f"duels of {matches} matches" in words
    assert f"Matches per duel {matches} from the game's info.yml" in words
    assert "shortens" not in words
    assert anonymous.get("/games/chess/scoring/").status_code == 404


def test_the_game_page_says_the_duel_length_played_and_links_the_scoring_page(anonymous, settings):
    settings.ARENA_DUEL_MATCHES = 20
    page = anonymous.get(reverse("game", args=["quarto"])).content.decode()
    assert "duels of 20 matches" in page
    assert reverse("scoring", args=["quarto"]) in page


def test_the_leaderboard_names_what_decides_the_rank_in_the_one_order(anonymous):
    tournament = edition()
    participants = {p.revision.competitor.name: p for p in tournament.participants.all()}
    for url in (
        reverse("game", args=["quarto"]),
        reverse("tournament", args=["quarto", tournament.edition]),
    ):
        page = anonymous.get(url).content.decode()
        assert header(page, "leaderboard") == [
            "Rank", "Competitor", "Owner", "Points", "W", "D", "L", "Score", "Rating", "Sure",
        ]  # fmt: skip
        assert "Ranked by Points ▼ , then W 1 , then Score 2" in text(page)
        assert reverse("scoring", args=["quarto"]) in page
        # The sort key and its tie-breaks are marked.
        assert re.search(r'<th class="num rank-key"[^>]*>Points', page)
        assert re.search(r'<th class="num tie-break"[^>]*>W', page)
        assert re.search(r'<th class="num tie-break"[^>]*>Score', page)
        table = rows(page, "leaderboard")
        names = [row[1].split(" ")[0] for row in table]
        assert names == ["alpha", "bravo", "charlie", "delta"]
        for row in table:
            p = participants[row[1].split(" ")[0]]
            assert row[3:9] == [
                str(p.points), str(p.wins), str(p.draws), str(p.losses),
                results.format_score(p.total_score), results.format_rating(p.rating),
            ]  # fmt: skip
            # The tie mark is a tag of its own beside the percent.
            sure = results.format_confidence(p.next_confidence, p.next_separated)
            assert row[9].replace(" ", "") == sure
        # The rank follows the points, then the wins, then the score, best first.
        keys = [(p.points, p.wins, p.total_score) for p in map(participants.get, names)]
        assert keys == sorted(keys, reverse=True)
        assert [row[0] for row in table] == ["1", "2", "2", "4"]
    alpha = participants["alpha"]
    assert (alpha.wins, alpha.draws, alpha.losses, alpha.points) == (3, 0, 0, 6)
    assert results.format_score(alpha.total_score) == "3,601.5"


def test_the_duel_counters_read_matches_won_drawn_lost_and_link_the_scoring_page(anonymous):
    record = play("hostile/exception_in_step", 4)
    duel = make_duel(record)
    page = anonymous.get(reverse("duel", args=[duel.pk])).content.decode()
    assert header(page, "duel-counters") == ["Player", "W", "D", "L", "Errors", "Score"]
    counters = rows(page, "duel-counters")
    won_1 = record["player_1_wins"] + record["player_2_errors"]
    won_2 = record["player_2_wins"] + record["player_1_errors"]
    assert counters[0][1:] == [
        str(won_1), str(record["draws"]), str(won_2), str(record["player_1_errors"]),
        results.format_score(record["player_1_score"]),
    ]  # fmt: skip
    assert counters[1][1:] == [
        str(won_2), str(record["draws"]), str(won_1), str(record["player_2_errors"]),
        results.format_score(record["player_2_score"]),
    ]  # fmt: skip
    assert record["player_2_errors"] > 0 and won_1 > 0
    words = text(page)
    assert "Decided by W (matches won), then Score" in words
    # "Points" is the editions' word: the duel page does not count points of its own.
    assert "Points" not in words.split("Counters")[1].split("Matches")[0]
    assert reverse("scoring", args=["tic-tac-toe"]) + "#duel" in page


def test_a_running_duel_links_the_scoring_page_too(anonymous):
    duel = make_duel(None, state=Duel.RUNNING)
    page = anonymous.get(reverse("duel", args=[duel.pk])).content.decode()
    assert reverse("scoring", args=["tic-tac-toe"]) + "#duel" in page


def test_the_formats_are_the_same_for_every_reader():
    assert results.format_rating(None) == "-"
    assert results.format_rating(-0.04) == "0.0"
    assert results.format_rating(12.345) == "12.3"
    assert results.format_rating(-3.06) == "-3.1"
    assert results.format_score(4000.0) == "4,000"
    assert results.format_score(-1.256) == "-1.26"
    assert results.format_wdl(3, 1, 0) == "3-1-0"
    assert results.conservative_rating(25.0, 25 / 3) == pytest.approx(0.0)
