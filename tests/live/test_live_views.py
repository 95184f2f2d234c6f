"""The live page, its Server-Sent Events stream (on the real Redis channel) as a WSGI server
(Django's test client, runserver) serves it, and the links to it from the game page and the
duel page. The stream under the ASGI server production runs: test_live_stream_asgi.py."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import Duel
from duel_runner import live
from tests.live.conftest import kinds, parse
from tests.platform import factories

pytestmark = pytest.mark.services


@pytest.fixture
def duel(db, redis_broker):
    one, two = factories.valid_revision(), factories.valid_revision()
    return Duel.objects.create(
        environment=one.competitor.environment,
        revision_1=one,
        revision_2=two,
        rules_version=1,
        num_matches=10,
        state=Duel.RUNNING,
    )


def _match(number: int) -> list[dict]:
    tally = {"player_1_points": 2 * (number - 1), "player_2_points": 0}
    return [
        {"kind": "match", "match": number, "first_player": 1, "state": [0] * 10, "tally": tally},
        {"kind": "move", "match": number, "player": 1, "action": 4, "state": [1] * 10},
        {"kind": "match_end", "match": number, "result": "PLAYER_1_WIN", "tally": tally},
    ]


def _read(response) -> list[dict]:
    """The SSE messages of a whole response: each as {field: value}, comments left out."""
    return parse(b"".join(response.streaming_content).decode())


# The (event, match) of each message, as the stream tests of tests/live/conftest.py say them.
_events = kinds


def test_it_streams_the_current_match_until_the_duel_ends(duel):
    live.channel().publish(duel.pk, _match(1) + _match(2))
    live.channel().publish(duel.pk, [{"kind": "duel_end", "result": "PLAYER_1_WIN", "tally": {}}])
    response = Client().get(f"/duels/{duel.pk}/live/events")
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    assert response["Cache-Control"] == "no-cache"
    messages = _read(response)
    assert _events(messages) == [
        ("match", 2),
        ("move", 2),
        ("match_end", 2),
        ("duel_end", None),
        ("end", None),
    ]
    assert all("id" in m for m in messages if m.get("event") in ("match", "move", "duel_end"))


def test_it_goes_on_from_last_event_id(duel):
    live.channel().publish(duel.pk, _match(1))
    first = live.channel().read(duel.pk, None, 0)
    live.channel().publish(duel.pk, _match(2))
    live.channel().publish(duel.pk, [{"kind": "duel_end", "result": "DRAW", "tally": {}}])
    response = Client().get(f"/duels/{duel.pk}/live/events", headers={"Last-Event-ID": first[1][0]})
    assert _events(_read(response))[:2] == [("match_end", 1), ("match", 2)]


def test_an_unknown_duel_is_not_found(db, redis_broker):
    assert Client().get("/duels/999999/live/events").status_code == 404
    assert Client().get("/duels/999999/live/").status_code == 404


def test_the_live_page_shows_the_players_and_loads_the_renderer(duel):
    response = Client().get(f"/duels/{duel.pk}/live/")
    page = response.content.decode()
    assert response.status_code == 200
    assert duel.revision_1.competitor.name in page and duel.revision_2.competitor.name in page
    assert "games/tic-tac-toe/render.js" in page and "web/live.js" in page
    assert f"/duels/{duel.pk}/live/events" in page


def test_the_game_page_lists_the_duels_being_played(duel):
    page = Client().get("/games/tic-tac-toe/").content.decode()
    assert f"/duels/{duel.pk}/live/" in page
    duel.state = Duel.COMPLETED
    duel.save()
    page = Client().get("/games/tic-tac-toe/").content.decode()
    assert f"/duels/{duel.pk}/live/" not in page
    assert "No duel right now" in page


def test_the_duel_page_of_a_running_duel_links_to_live(duel):
    page = Client().get(f"/duels/{duel.pk}/").content.decode()
    assert f"/duels/{duel.pk}/live/" in page
