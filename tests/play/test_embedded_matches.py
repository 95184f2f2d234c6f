"""The embedded mode (``make demo``: no broker) plays human matches in a thread of the serving
process instead of a worker: the same engine behind the same two calls."""

from __future__ import annotations

import pytest

from core.models import HumanMatch
from duel_runner import inbox
from tests.conftest import wait_for
from tests.platform import factories
from tests.play.conftest import validated_minimax, wait_for_container_gone
from web.play import backends, rules, services

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def test_without_a_broker_a_thread_holds_the_agent(
    play_worker, docker_client, no_leftover_agent_containers, settings
):
    play_worker()  # builds and validates the player; the match itself never reaches it
    revision = validated_minimax()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ARENA_PLAY_IDLE_TIMEOUT = 30
    match = services.start_match(factories.user("demo"), revision, human_first=True)
    wait_for(
        lambda: match.refresh_from_db() or (match.state == HumanMatch.RUNNING and match.states),
        60,
        message="the thread to start the sandbox",
    )
    assert match.worker and inbox.held_here(match.pk)
    while match.state == HumanMatch.RUNNING:
        game = rules.replay("tic-tac-toe", match.actions)
        if rules.humans_turn(game, True):
            ply = len(match.actions)
            backends.send(match.pk, {"ply": ply, "action": game.legal_actions()[0]})
            wait_for(
                lambda ply=ply: (
                    match.refresh_from_db()
                    or len(match.actions) > ply
                    or match.state != HumanMatch.RUNNING
                ),
                30,
                message="the move to be played",
            )
        else:
            wait_for(
                lambda: (
                    match.refresh_from_db()
                    or match.state != HumanMatch.RUNNING
                    or rules.humans_turn(rules.replay("tic-tac-toe", match.actions), True)
                ),
                30,
                message="the agent's move",
            )
    assert match.state == HumanMatch.FINISHED and match.result == HumanMatch.AGENT_WIN
    wait_for(lambda: not inbox.held_here(match.pk), 30, message="the thread to end")
    wait_for(lambda: wait_for_container_gone(docker_client, match.pk), 30, message="release")
