"""Remote matches (``arena connect``) without Docker: the embedded mode (no broker), where a
thread of the serving process holds the match, with the agent in this process; the API and
the client are the real ones. tests/play/test_remote_agents.py plays them with a real worker
and the agent in Docker, tests/deploy/test_stack.py through nginx."""

from __future__ import annotations

import io
import json

import pytest

import environments
from arena import remote_play
from arena.connect import RemoteMatch
from core.models import ApiToken, HumanMatch
from duel_runner import human_matches, inbox
from run_duel import InProcessPlayer
from tests.api.conftest import ApiClient
from tests.conftest import EXAMPLE_PLAYERS, outside_any_event_loop, wait_for
from tests.platform import factories
from web.play import backends, services


class FirstFree:
    """The hosted agent: plays the first valid action (as example_players/dummy does)."""

    def start(self, state, valid_actions):
        return int(valid_actions[0])

    def step(self, state, valid_actions, prev_reward):
        return int(valid_actions[0])

    def end(self, state, prev_reward):
        pass


class Agent(InProcessPlayer):
    def open(self):
        pass


class RemoteClient(ApiClient):
    """The API's test client for the remote views, which are asynchronous: the test client
    runs them with async_to_sync, which the session's browser (an event loop in this thread,
    once a browser test ran) forbids here."""

    def request(self, **request):
        return outside_any_event_loop(lambda: ApiClient.request(self, **request))


@pytest.fixture
def embedded(transactional_db, settings, monkeypatch):
    """No broker: matches are held by threads of this process; the agent plays in-process."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ARENA_PLAY_IDLE_TIMEOUT = 20
    monkeypatch.setattr(
        human_matches, "open_revision", lambda revision, label, stack, **labels: Agent(FirstFree())
    )
    yield
    # Matches a test left open end now: their threads hold database connections.
    for pk in HumanMatch.objects.filter(state__in=HumanMatch.ACTIVE_STATES).values_list("pk"):
        backends.send(pk[0], {"leave": True})
    wait_for(lambda: not inbox._here, 20, message="the matches' threads to end")


@pytest.fixture
def revision(embedded):
    return factories.valid_revision(factories.competitor("tic-tac-toe", "first-free"))


def _connect(client, first="client", name="first-free", **more):
    return client.post(
        f"/api/v1/games/tic-tac-toe/competitors/{name}/connect/",
        {"first": first, **more},
        content_type="application/json",
    )


def _move(client, match_id, ply, action):
    return client.post(
        f"/api/v1/remote-matches/{match_id}/moves/",
        {"ply": ply, "action": action},
        content_type="application/json",
    )


def test_a_move_is_answered_with_the_agents_reply_and_the_match_is_in_the_data_set(revision):
    player = factories.user("remote-player")
    client = RemoteClient(ApiToken.create_for(player))
    opened = _connect(client)
    assert opened.status_code == 201, opened.json()
    match = opened.json()
    assert (match["turn"], match["ply"], match["match_state"]) == ("client", 0, "RUNNING")
    assert match["valid_actions"] == list(range(9))
    assert match["state"] == environments.new_game("tic-tac-toe").state()
    assert opened["Location"] == match["url"]
    pk = match["id"]

    answer = _move(client, pk, 0, 4)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["actions"] == [4, 0] and answer.json()["agent_actions"] == [0]
    assert (answer.json()["turn"], answer.json()["ply"]) == ("client", 2)
    # A stale ply, an occupied cell: refused with what to do, and nothing is played.
    assert _move(client, pk, 0, 2).status_code == 409
    illegal = _move(client, pk, 2, 0)
    assert illegal.status_code == 400 and "not valid" in illegal.json()["error"]
    # Someone else's match is nobody's business.
    assert _move(RemoteClient(ApiToken.create_for(factories.user())), pk, 2, 2).status_code == 404

    _move(client, pk, 2, 2)  # the agent takes 1
    won = _move(client, pk, 4, 6).json()  # the diagonal 2-4-6
    assert (won["done"], won["result"], won["client_score"], won["turn"]) == (
        True,
        "HUMAN_WIN",
        1,
        None,
    )
    row = HumanMatch.objects.get(pk=pk)
    assert (row.client, row.state, row.actions) == ("remote", "FINISHED", [4, 0, 2, 1, 6])
    # In the owner's data set like any human match, told apart by its client.
    lines = [json.loads(line) for line in services.human_matches_jsonl(revision.competitor)]
    assert [(line["id"], line["client"], line["result"]) for line in lines] == [
        (pk, "remote", "HUMAN_WIN")
    ]


def test_remote_matches_take_the_places_of_human_matches(revision, settings):
    settings.ARENA_PLAY_MAX_MATCHES = 2
    settings.ARENA_PLAY_MATCHES_PER_USER = 1
    first, second, third = (RemoteClient(ApiToken.create_for(factories.user())) for _ in range(3))
    opened = _connect(first, first="agent")
    assert opened.status_code == 201 and opened.json()["agent_actions"] == [0]
    again = _connect(first)
    assert again.status_code == 409
    assert f"match {opened.json()['id']}" in again.json()["error"]
    assert "finish or leave it" in again.json()["error"]
    assert _connect(second).status_code == 201
    full = _connect(third)
    assert full.status_code == 429 and "All 2 places" in full.json()["error"]
    assert full["Retry-After"]

    left = first.post(f"/api/v1/remote-matches/{opened.json()['id']}/leave/").json()
    assert (left["done"], left["match_state"], left["result"]) == (True, "ABANDONED", None)
    assert _connect(third).status_code == 201  # the place it freed


def test_arena_connect_plays_a_local_player_against_the_hosted_agent(live_server, revision):
    token = ApiToken.create_for(factories.user("connector"))
    out = io.StringIO()
    code = remote_play.main(
        ["--game", "tic-tac-toe", "--against", "first-free@1",
         "--player", str(EXAMPLE_PLAYERS / "dummy"), "--matches", "2",
         "--server", live_server.url, "--token", token],
        out,
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert code == 0, lines
    # Alternating who starts: the first free cell wins for whoever starts (the 2-4-6 diagonal).
    assert lines == [
        "match 1 against first-free (you first, 7 moves): you won; score 1",
        "match 2 against first-free (the agent first, 7 moves): the agent won; score -1",
        "2 matches against first-free: W-D-L 1-0-1 (yours), score 0",
    ]
    assert list(HumanMatch.objects.order_by("pk").values_list("client", "result")) == [
        ("remote", "HUMAN_WIN"),
        ("remote", "AGENT_WIN"),
    ]

    pinged = io.StringIO()
    args = ["--ping", "--count", "3", "--server", live_server.url, "--token", token]
    assert remote_play.main(args, pinged) == 0
    assert pinged.getvalue().startswith(f"round trip to {live_server.url} over 3 calls: min ")
    assert pinged.getvalue().count(" ms") == 3


def test_the_client_class_leaves_an_unfinished_match_when_closed(live_server, revision, capsys):
    token = ApiToken.create_for(factories.user("quitter"))
    with RemoteMatch(
        live_server.url, token, "tic-tac-toe", "first-free", agent_first=True
    ) as match:
        assert (match.agent_actions, match.valid_actions) == ([0], list(range(1, 9)))
        match.play(4)
        assert match.actions == [0, 4, 1] and not match.done and match.result is None
    row = HumanMatch.objects.get(pk=match.id)
    assert row.state == HumanMatch.ABANDONED and row.actions == [0, 4, 1]

    refused = remote_play.main(
        ["-g", "tic-tac-toe", "-a", "nobody", "-p", str(EXAMPLE_PLAYERS / "dummy"),
         "--server", live_server.url, "--token", token]
    )  # fmt: skip
    error = capsys.readouterr().err
    assert refused == 2 and error.startswith("arena: ") and error.count("\n") == 1


def test_a_wait_on_redis_longer_than_the_clients_default_socket_timeout_ends_quietly(
    redis_broker,
):
    # redis-py 8 gives up reading a socket after 5 s by default: a BLPOP waiting longer (a
    # human thinking, a move request waiting for the agent) must outlast it.
    assert inbox.waiter(987654)(6.0) is None
