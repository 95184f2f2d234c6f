"""The API says results under the site's names, with the same values (arena.results)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arena import results
from core.models import Revision
from tests.platform import factories
from tests.web.test_duels import make_duel, play
from tests.web.test_scoring import edition, rows
from tournament_manager.rules import edition_points

pytestmark = pytest.mark.django_db

LEADERBOARD_FIELDS = [
    "rank", "competitor", "owner", "version",
    "points", "wins", "draws", "losses", "total_score", "rating", "rating_mu", "rating_sigma",
    "next_confidence", "next_separated", "next_matches",
]  # fmt: skip


def test_a_leaderboard_row_has_the_sites_names_and_numbers(anonymous):
    tournament = edition()
    data = anonymous.get(f"/api/v1/games/quarto/tournaments/{tournament.edition}/").json()
    board = data["leaderboard"]
    assert all(list(row) == LEADERBOARD_FIELDS for row in board)
    site = rows(anonymous.get(reverse("game", args=["quarto"])).content.decode(), "leaderboard")
    assert len(site) == len(board) == 4
    for row, shown in zip(board, site, strict=True):
        assert shown[0] == str(row["rank"])
        assert shown[1] == f"{row['competitor']} v{row['version']}"
        assert shown[3:9] == [
            str(row["points"]), str(row["wins"]), str(row["draws"]), str(row["losses"]),
            results.format_score(row["total_score"]), results.format_rating(row["rating"]),
        ]  # fmt: skip
        sure = results.format_confidence(row["next_confidence"], row["next_separated"])
        assert shown[9].replace(" ", "") == sure
        # One rating: the conservative mu - 3 sigma, the same number the site rounds.
        assert row["rating"] == pytest.approx(
            results.conservative_rating(row["rating_mu"], row["rating_sigma"])
        )
        assert row["points"] == edition_points(row["wins"], row["draws"])


def test_the_schema_documents_each_result_with_its_meaning(anonymous):
    schema = anonymous.get("/api/v1/schema/?format=json").json()
    row = schema["components"]["schemas"]["LeaderboardRow"]["properties"]
    for field in ("points", "wins", "draws", "losses", "total_score", "rating"):
        assert results.MEANINGS[field] in row[field]["description"], field
    duel = schema["components"]["schemas"]["Duel"]["properties"]
    assert duel["player_1_matches_won"]["type"] == "integer"


def test_a_competitor_says_which_revision_its_rank_is_for(anonymous):
    tournament = edition()
    alpha = anonymous.get("/api/v1/games/quarto/competitors/alpha/").json()
    assert (alpha["rank"], alpha["edition"], alpha["ranked_version"]) == (
        1, tournament.edition, 1,
    )  # fmt: skip
    assert alpha["edition_state"] == "COMPLETED" and alpha["field_size"] == 4
    # A new valid revision is not what the rank is about until an edition ranks it.
    factories.valid_revision(Revision.objects.get(competitor__name="alpha").competitor)
    alpha = anonymous.get("/api/v1/games/quarto/competitors/alpha/").json()
    assert alpha["valid_version"] == 2 and alpha["ranked_version"] == 1


def test_a_duel_gives_each_players_matches_won_as_the_duel_page(anonymous):
    record = play("hostile/exception_in_step", 4)
    duel = make_duel(record)
    data = anonymous.get(f"/api/v1/duels/{duel.pk}/").json()
    assert data["player_1_matches_won"] == record["player_1_wins"] + record["player_2_errors"]
    assert data["player_2_matches_won"] == record["player_2_wins"] + record["player_1_errors"]
    # The original counters stay, for the clients that read them.
    for counter in ("player_1_wins", "player_2_wins", "draws", "player_1_errors"):
        assert data[counter] == record[counter]
    page = rows(anonymous.get(reverse("duel", args=[duel.pk])).content.decode(), "duel-counters")
    assert page[0][1] == str(data["player_1_matches_won"])
    assert page[1][1] == str(data["player_2_matches_won"])


def test_a_game_says_how_many_matches_its_duels_have_as_played(anonymous, settings):
    settings.ARENA_DUEL_MATCHES = 20
    game = anonymous.get("/api/v1/games/quarto/").json()
    assert (game["duel_length"], game["matches_per_duel"]) == (1000, 20)
    settings.ARENA_DUEL_MATCHES = 0
    assert anonymous.get("/api/v1/games/quarto/").json()["matches_per_duel"] == 1000
