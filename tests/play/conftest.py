"""Human matches made as the arena makes them."""

from __future__ import annotations

import pytest


def wait_for_container_gone(docker_client, match_id: int) -> bool:
    containers = docker_client.containers.list(
        all=True, filters={"label": f"org.rl-arena.human-match={match_id}"}
    )
    return not containers


@pytest.fixture
def play_worker(celery_processes, docker_client, monkeypatch):
    """A real Celery worker consuming both queues, as the compose worker does.

    Returns a function that starts it; settings for it (e.g. the idle timeout) are environment
    variables set before the call.
    """

    def start(concurrency: int = 2):
        return celery_processes.start(
            "worker",
            "worker",
            "-n",
            "play-worker@%h",
            "--queues",
            "arena,play",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        )

    return start


def validated_minimax(game: str = "tic-tac-toe", name: str = "minimax", owned_by=None):
    """The example minimax player, submitted, built and validated by the worker."""
    from core.models import Revision
    from tests.conftest import EXAMPLE_PLAYERS, wait_for
    from tests.platform import factories

    revision = factories.submit(EXAMPLE_PLAYERS / "minimax", game=game, name=name, owner=owned_by)

    def done():
        revision.refresh_from_db()
        if revision.image_state == Revision.IMAGE_FAILED:
            pytest.fail(f"build failed: {revision.image_error}")
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(done, 240, message=f"the validation of {revision}")
    assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error
    return revision


HUMAN_MATCH_LABEL = "org.rl-arena.human-match"


@pytest.fixture
def no_leftover_agent_containers(docker_client):
    """No human match's sandbox is left behind (other sandboxes belong to other tests)."""

    def ours():
        return {
            c.id
            for c in docker_client.containers.list(all=True, filters={"label": HUMAN_MATCH_LABEL})
        }

    before = ours()
    yield
    assert ours() - before == set(), "agent sandboxes of human matches were left behind"
