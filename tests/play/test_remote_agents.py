"""Remote agents end to end with the real parts: ``arena connect`` in its own process, the
web (a live server), a Celery ``play`` worker holding the agent's Docker sandbox, Redis
between them. The API's details are tests/play/test_remote_matches.py's (no Docker); the
whole stack behind nginx is tests/deploy/test_stack.py's."""

from __future__ import annotations

import json

import pytest

from arena.connect import RemoteMatch
from arena.training.opponents import HostedOpponent
from arena.training.single import ArenaEnv
from core.models import ApiToken, HumanMatch
from tests.cli.test_submit_cli import arena
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from tests.play.conftest import validated_minimax, wait_for_container_gone
from web.play import services

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def test_a_local_player_plays_a_hosted_agent_and_a_dropped_client_forfeits(
    live_server, play_worker, docker_client, no_leftover_agent_containers, monkeypatch, settings
):
    # Short, so the dropped client below forfeits quickly; the local player answers at once.
    monkeypatch.setenv("ARENA_PLAY_IDLE_TIMEOUT", "5")
    settings.ARENA_PLAY_IDLE_TIMEOUT = 5
    play_worker()
    revision = validated_minimax("connect-four")
    token = ApiToken.create_for(factories.user("laptop"))

    played = arena(
        "connect", "--game", "connect-four", "--against", "minimax",
        "--player", str(EXAMPLE_PLAYERS / "random"), "--matches", "2",
        server=live_server.url, token=token,
    )  # fmt: skip
    assert played.returncode == 0, played.stdout + played.stderr
    lines = played.stdout.splitlines()
    assert lines[0].startswith("match 1 against minimax (you first, ")
    assert lines[1].startswith("match 2 against minimax (the agent first, ")
    assert lines[2].startswith("2 matches against minimax: W-D-L ")
    # Recorded as the agent owner's data: whole matches, played by a remote client.
    records = [json.loads(line) for line in services.human_matches_jsonl(revision.competitor)]
    assert [(r["client"], r["state"], r["first_player"]) for r in records] == [
        ("remote", "FINISHED", "HUMAN"),
        ("remote", "FINISHED", "AGENT"),
    ]
    assert all(r["result"] in ("HUMAN_WIN", "AGENT_WIN", "DRAW") for r in records)
    for record in records:
        wait_for(lambda r=record: wait_for_container_gone(docker_client, r["id"]), 30)

    # The Gymnasium environment against the same hosted agent (arena.training's HostedOpponent):
    # each episode is a remote match, and its end is the one the server recorded.
    env = ArenaEnv("connect-four", HostedOpponent(live_server.url, token, "minimax"))
    try:
        for episode in range(2):
            _, info = env.reset(options={"agent_first": episode == 0})
            total, done, ours = 0.0, False, []
            while not done:
                ours.append(int(info["action_mask"].nonzero()[0][0]))  # the first valid column
                _, reward, done, _, info = env.step(ours[-1])
                total += float(reward)
            assert "opponent_error" not in info and "invalid_action" not in info, info
            record = HumanMatch.objects.filter(client=HumanMatch.REMOTE).order_by("-pk").first()
            assert record.human_first == info["agent_first"] == (episode == 0)
            assert record.actions[1 - info["agent_first"] :: 2] == ours, record.actions
            expected = {"HUMAN_WIN": 1.0, "AGENT_WIN": -1.0, "DRAW": 0.0}[record.result]
            assert total == expected, (total, record.result)
    finally:
        env.close()

    # A client that opens a match and goes silent forfeits after the idle timeout, and the
    # agent's sandbox is freed.
    dropped = RemoteMatch(live_server.url, token, "connect-four", "minimax")
    dropped._http.close()  # gone without a word: no leave
    assert docker_client.containers.list(
        all=True, filters={"label": f"org.rl-arena.human-match={dropped.id}"}
    )
    match = HumanMatch.objects.get(pk=dropped.id)
    wait_for(lambda: match.refresh_from_db() or not match.is_active, 60, message="the forfeit")
    assert (match.state, match.actions, match.client) == (HumanMatch.ABANDONED, [], "remote"), (
        match.result,
        match.error_msg,
    )
    wait_for(lambda: wait_for_container_gone(docker_client, match.pk), 30, message="release")
