"""Sandbox containers that outlive the code that started them are removed, never others'."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from core.work import worker_name
from duel_runner.sandboxes import (
    WORKER_LABEL,
    remove_orphaned_containers,
    remove_own_containers,
)
from run_duel.docker_sandbox import SANDBOX_LABEL
from tests.conftest import BASE_IMAGE

pytestmark = [pytest.mark.docker]

# A pid no process has: above the kernel's pid_max (at most 2**22).
DEAD = f"{worker_name().rpartition(':')[0]}:{2**22 + 7}"


@pytest.fixture
def containers(docker_client, settings):
    """Idle sandbox-labelled containers owned by a given worker label; removed at the end."""
    settings.ARENA_SANDBOX = "docker"
    made = []

    def make(owner: str):
        container = docker_client.containers.create(
            BASE_IMAGE,
            ["sleep", "300"],
            name=f"arena-test-leftover-{uuid.uuid4().hex[:8]}",
            labels={SANDBOX_LABEL: "1", WORKER_LABEL: owner},
            network_disabled=True,
        )
        made.append(container)
        return container

    yield make
    for container in made:
        with contextlib.suppress(Exception):  # already removed by the code under test
            container.remove(force=True)


def exists(docker_client, container) -> bool:
    return any(c.id == container.id for c in docker_client.containers.list(all=True))


def test_a_process_removes_its_own_containers_and_only_those(docker_client, containers):
    own, other = containers(worker_name()), containers("another-host:1")
    assert remove_own_containers() >= 1
    assert not exists(docker_client, own)
    assert exists(docker_client, other)


def test_the_containers_of_a_dead_process_of_this_host_are_orphans(docker_client, containers):
    dead, alive, elsewhere = containers(DEAD), containers(worker_name()), containers("far:1")
    assert remove_orphaned_containers() >= 1
    assert not exists(docker_client, dead)
    assert exists(docker_client, alive) and exists(docker_client, elsewhere)
