"""Human matches held by a real Celery worker with the agent in Docker: a whole match played
through the same inbox the page uses, and the idle timeout releasing the sandbox.

No browser here (tests/play/test_browser_match.py has one): the "human" sends its moves with
:func:`web.play.backends.send`, exactly as the move view does after checking them."""

from __future__ import annotations

import pytest

from core.models import HumanMatch
from tests.conftest import wait_for
from tests.platform import factories
from tests.play.conftest import validated_minimax, wait_for_container_gone
from web.play import backends, rules, services

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def _running(match: HumanMatch) -> HumanMatch:
    def started():
        match.refresh_from_db()
        assert match.state != HumanMatch.FINISHED or match.result != HumanMatch.ARENA_ERROR, (
            match.error_msg
        )
        return match.state == HumanMatch.RUNNING and match.states

    wait_for(started, 120, message="the agent's sandbox to start")
    return match


@pytest.mark.parametrize("game", ["connect-four", "quarto"])
def test_a_human_plays_a_whole_match_against_minimax(
    game, play_worker, docker_client, no_leftover_agent_containers
):
    play_worker()
    revision = validated_minimax(game)
    human = factories.user("human")
    match = _running(services.start_match(human, revision, human_first=False))
    slug = game
    while True:
        match.refresh_from_db()
        if match.state != HumanMatch.RUNNING:
            break
        state = rules.replay(slug, match.actions)
        if rules.humans_turn(state, match.human_first):
            # A human who always plays the first legal move: minimax should punish that.
            backends.send(match.pk, {"ply": len(match.actions), "action": state.legal_actions()[0]})
            ply = len(match.actions)
            wait_for(
                lambda ply=ply: (
                    match.refresh_from_db()
                    or len(match.actions) > ply + 1
                    or match.state != HumanMatch.RUNNING
                ),
                60,
                message="the agent's reply",
            )
        else:
            wait_for(
                lambda: (
                    match.refresh_from_db()
                    or match.state != HumanMatch.RUNNING
                    or rules.humans_turn(rules.replay(slug, match.actions), match.human_first)
                ),
                60,
                message="the agent's move",
            )
    assert match.state == HumanMatch.FINISHED, match.error_msg
    # Scored as docs/rules.md scores a match; minimax does not lose to a human this naive.
    assert match.result == rules.outcome(match.rewards, match.human_first).result
    assert match.result in (HumanMatch.AGENT_WIN, HumanMatch.DRAW)
    assert len(match.states) == len(match.actions) + 1 == len(match.rewards) + 1
    final = rules.replay(slug, match.actions)
    assert final.done and final.state() == match.states[-1]
    assert match.finished is not None
    wait_for(lambda: wait_for_container_gone(docker_client, match.pk), 30, message="release")


def test_an_idle_match_is_abandoned_and_its_sandbox_released(
    play_worker, docker_client, no_leftover_agent_containers, monkeypatch, settings
):
    monkeypatch.setenv("ARENA_PLAY_IDLE_TIMEOUT", "3")
    play_worker()
    revision = validated_minimax()
    match = _running(services.start_match(factories.user("idle"), revision, human_first=True))
    # The sandbox is up while the worker waits for the human's first move...
    assert docker_client.containers.list(
        all=True, filters={"label": f"org.rl-arena.human-match={match.pk}"}
    )
    # ...and nobody moves.
    wait_for(
        lambda: match.refresh_from_db() or match.state == HumanMatch.ABANDONED,
        60,
        message="the idle timeout",
    )
    assert match.actions == [] and match.finished is not None
    wait_for(lambda: wait_for_container_gone(docker_client, match.pk), 30, message="release")
    # A move after the end changes nothing.
    backends.send(match.pk, {"ply": 0, "action": 4})
    match.refresh_from_db()
    assert match.state == HumanMatch.ABANDONED


def test_leaving_ends_the_match_at_once(play_worker, docker_client, no_leftover_agent_containers):
    play_worker()
    revision = validated_minimax()
    match = _running(services.start_match(factories.user("leaver"), revision, human_first=True))
    backends.send(match.pk, {"leave": True})
    wait_for(
        lambda: match.refresh_from_db() or match.state == HumanMatch.ABANDONED,
        30,
        message="leaving",
    )
    wait_for(lambda: wait_for_container_gone(docker_client, match.pk), 30, message="release")
