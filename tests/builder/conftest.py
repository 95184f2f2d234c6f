"""Fixtures of the builder tests: build settings for this machine, images removed afterwards."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

# Behind an intercepting proxy pip needs the machine's CA bundle; elsewhere it is harmless.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
TEST_REPOSITORY = "arena-test-build"


@pytest.fixture
def build_settings(settings):
    """Builds tag their images apart from the platform tests' (pks restart per test database)."""
    settings.ARENA_PLAYER_IMAGE_REPOSITORY = TEST_REPOSITORY
    settings.ARENA_PIP_CA_BUNDLE = CA_BUNDLE if CA_BUNDLE.is_file() else None
    settings.ARENA_BUILD_TIMEOUT = 600.0
    return settings


@pytest.fixture
def built_images(build_settings, docker_client):
    """Removes the images the test built."""
    yield
    for image in docker_client.images.list(name=TEST_REPOSITORY):
        docker_client.images.remove(image.id, force=True)


def queued_tasks(redis_broker) -> list[tuple[str, list, dict]]:
    """(task name, args, headers) of the messages waiting in the arena's queue."""
    found = []
    for raw in redis_broker.lrange("arena", 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args, message["headers"]))
    return found


def forget_installed_packages(client, requirements: str, settings) -> None:
    """Remove the kept installed packages of ``requirements`` (builder.image), so that the
    next build with them installs them: a test of the install step must see it run."""
    from builder.docker import install_requirements as installer
    from builder.image import DEPENDENCIES_LABEL, DEPENDENCIES_REPOSITORY, dependencies_key

    key = dependencies_key(client, installer.plan(requirements, Path(".")), settings)
    for image in client.images.list(name=DEPENDENCIES_REPOSITORY):
        if key is not None and image.labels.get(DEPENDENCIES_LABEL) == key:
            # Untag, as the pruning does: player images of an earlier run may still stand on
            # it (Docker refuses to delete an image with children, even forced).
            for tag in image.tags:
                client.images.remove(tag)
