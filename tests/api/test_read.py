"""The read endpoints: games, competitors, revisions, tournaments, duels and match replays,
with the website's visibility rules and a number of queries that does not grow with rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Duel, Revision, Tournament, TournamentParticipant
from tests.platform import factories
from tests.web.test_duels import PUBLIC_LOG, SECRET_LOG, make_duel, play

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def failing_record():
    """Player 2 raises in step(): its errors quote the end of its log."""
    return play("hostile/exception_in_step", 4)


def _edition(game: str = "tic-tac-toe", size: int = 3, prefix: str = "bot") -> Tournament:
    tournament = Tournament.objects.create(
        environment_id=factories.Environment.objects.get(slug=game).pk,
        edition=Tournament.objects.filter(environment__slug=game).count() + 1,
        state=Tournament.COMPLETED,
    )
    for rank in range(1, size + 1):
        revision = factories.valid_revision(factories.competitor(game, f"{prefix}-{rank}"))
        TournamentParticipant.objects.create(
            tournament=tournament,
            revision=revision,
            rank=rank,
            points=2 * (size - rank),
            wins=size - rank,
        )
    return tournament


def test_it_lists_the_games_with_their_limits_and_latest_edition(anonymous):
    _edition()
    games = {g["slug"]: g for g in anonymous.get("/api/v1/games/").json()["results"]}
    assert set(games) == {"tic-tac-toe", "connect-four", "quarto"}
    assert games["tic-tac-toe"]["latest_edition"] == 1
    assert games["quarto"]["latest_edition"] is None
    assert games["quarto"]["limits"]["move_timeout"] == 10
    assert anonymous.get("/api/v1/games/quarto/").json()["duel_length"] == 1000


def test_it_names_the_games_when_one_is_unknown(anonymous):
    response = anonymous.get("/api/v1/games/chess/competitors/")
    assert response.status_code == 404
    assert response.json()["error"].startswith("There is no game 'chess'")
    assert "quarto" in response.json()["error"]


def test_it_answers_json_at_an_unknown_address(anonymous):
    response = anonymous.get("/api/v1/nothing/here/")
    assert response.status_code == 404 and "/api/v1/docs/" in response.json()["error"]


def test_it_lists_competitors_with_their_rank_and_latest_revision(anonymous):
    _edition(size=3)
    rows = anonymous.get("/api/v1/games/tic-tac-toe/competitors/").json()["results"]
    ranks = {row["name"]: (row["rank"], row["edition"], row["field_size"]) for row in rows}
    assert ranks == {"bot-1": (1, 1, 3), "bot-2": (2, 1, 3), "bot-3": (3, 1, 3)}
    assert rows[0]["latest_test_state"] == Revision.TEST_COMPLETED
    assert rows[0]["valid_version"] == 1


def test_it_lists_competitors_in_a_fixed_number_of_queries(anonymous, django_assert_num_queries):
    _edition(size=2)
    with CaptureQueriesContext(connection) as few:
        assert anonymous.get("/api/v1/games/tic-tac-toe/competitors/").status_code == 200
    _edition(size=6, prefix="more")
    _edition("quarto", size=5)
    for game in ("tic-tac-toe", "quarto"):
        with django_assert_num_queries(len(few.captured_queries)):
            response = anonymous.get(f"/api/v1/games/{game}/competitors/")
        assert response.json()["count"] >= 5


def test_it_lists_duels_in_a_fixed_number_of_queries(anonymous, django_assert_num_queries):
    record = play(num_matches=2)
    make_duel(record)
    with CaptureQueriesContext(connection) as few:
        assert anonymous.get("/api/v1/duels/").json()["count"] == 1
    for n in range(4):
        make_duel(record, names=(f"a{n}", f"b{n}"))
    with django_assert_num_queries(len(few.captured_queries)):
        assert anonymous.get("/api/v1/duels/").json()["count"] == 5


def test_it_shows_private_errors_and_logs_only_to_the_owner_and_staff(
    owner, as_owner, as_stranger, as_staff, anonymous
):
    competitor = factories.competitor(name="secretive", owner=owner)
    factories.valid_revision(
        competitor,
        test_state=Revision.TEST_FAILED,
        test_error="player 1 raised ValueError",
        test_log_1="my secret",
    )
    address = "/api/v1/games/tic-tac-toe/competitors/secretive/revisions/"
    for client, sees in (
        (as_owner, True),
        (as_staff, True),
        (as_stranger, False),
        (anonymous, False),
    ):
        listed = client.get(address).json()["results"][0]
        detail = client.get(f"{address}1/").json()
        assert detail["test_state"] == listed["test_state"] == Revision.TEST_FAILED
        assert (listed["test_error"] is not None) is sees
        assert (detail["test_log_1"] == "my secret") is sees
        assert detail["test_log_1"] is None or sees


def test_it_shows_a_public_competitors_logs_to_everyone(anonymous):
    competitor = factories.competitor(name="open", is_public=True)
    factories.valid_revision(competitor, image_log="pip install numpy")
    detail = anonymous.get("/api/v1/games/tic-tac-toe/competitors/open/revisions/1/").json()
    assert detail["image_log"] == "pip install numpy"


def test_it_gives_an_edition_with_its_leaderboard(anonymous):
    _edition(size=3)
    editions = anonymous.get("/api/v1/games/tic-tac-toe/tournaments/").json()["results"]
    assert [e["edition"] for e in editions] == [1]
    board = anonymous.get("/api/v1/games/tic-tac-toe/tournaments/1/").json()["leaderboard"]
    assert [(row["rank"], row["competitor"], row["version"]) for row in board] == [
        (1, "bot-1", 1),
        (2, "bot-2", 1),
        (3, "bot-3", 1),
    ]
    assert anonymous.get("/api/v1/games/tic-tac-toe/tournaments/9/").status_code == 404


def test_it_gives_a_duel_with_its_matches_and_the_logs_one_may_read(owner, as_owner, anonymous):
    duel = make_duel(play(num_matches=4), owner=owner)
    mine = as_owner.get(f"/api/v1/duels/{duel.pk}/").json()
    theirs = anonymous.get(f"/api/v1/duels/{duel.pk}/").json()
    assert mine["player_1"] == {"competitor": "minimax", "owner": "owner", "version": 1}
    assert len(mine["matches"]) == 4 and mine["matches"][0]["moves"] > 0
    assert mine["log_1"] == SECRET_LOG and theirs["log_1"] is None
    assert mine["log_2"] == theirs["log_2"] == PUBLIC_LOG


def test_it_hides_the_private_log_lines_quoted_in_errors(failing_record, anonymous):
    # Player 2 (private here) fails; its error quotes its log.
    duel = make_duel(failing_record, public_1=True, public_2=False)
    error = next(m for m in failing_record["matches"] if m["error_msg"])["error_msg"]
    assert "last lines of player 2's log" in error
    matches = anonymous.get(f"/api/v1/duels/{duel.pk}/").json()["matches"]
    shown = next(m["error_msg"] for m in matches if m["error_msg"])
    assert "is private" in shown and "last lines" not in shown
    number = next(m["number"] for m in matches if m["error_msg"])
    replay = anonymous.get(f"/api/v1/duels/{duel.pk}/matches/{number}/").json()
    assert "is private" in replay["error_msg"]


def test_it_gives_a_match_replay_as_in_the_duel_json(anonymous):
    record = play(num_matches=2)
    duel = make_duel(record)
    replay = anonymous.get(f"/api/v1/duels/{duel.pk}/matches/2/").json()
    assert replay["states"] == record["matches"][1]["states"]
    assert replay["first_player"] == record["matches"][1]["first_player"]
    assert replay["player_1"] == {"competitor": "minimax", "version": 1}
    assert anonymous.get(f"/api/v1/duels/{duel.pk}/matches/3/").status_code == 404


def test_it_says_when_a_duels_matches_are_not_there_yet(anonymous):
    duel = make_duel(None, state=Duel.RUNNING)
    response = anonymous.get(f"/api/v1/duels/{duel.pk}/matches/1/")
    assert response.status_code == 404 and "when it ends" in response.json()["error"]
    assert anonymous.get(f"/api/v1/duels/{duel.pk}/").json()["matches"] == []


def test_it_filters_duels_by_game_and_competitor(anonymous):
    make_duel(play(num_matches=2), names=("alpha", "beta"))
    make_duel(play(num_matches=2), names=("gamma", "delta"))
    assert anonymous.get("/api/v1/duels/", {"competitor": "beta"}).json()["count"] == 1
    assert anonymous.get("/api/v1/duels/", {"game": "quarto"}).json()["count"] == 0


def test_it_serves_the_schema_and_its_docs_pages_without_a_cdn(anonymous):
    schema = anonymous.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/games/{slug}/competitors/{name}/move/" in schema.json()["paths"]
    html = anonymous.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    # Swagger UI's start-up script is a file of its own (the CSP forbids inline scripts).
    assert "<script>" not in html
    swagger_js = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert anonymous.get(swagger_js).status_code == 200


def test_it_refuses_strings_postgresql_cannot_take(anonymous):
    for address in (
        "/api/v1/duels/?game=%00",
        "/api/v1/duels/?competitor=a%00",
        "/api/v1/duels/?state=X",
    ):
        response = anonymous.get(address)
        assert response.status_code == 400 and response.json()["error"], address
    assert anonymous.get("/api/v1/games/quarto/competitors/a%00b/").status_code == 404
