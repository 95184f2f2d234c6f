"""Several worker machines: the builder pushes player images to a registry and a worker
pulls the image it lacks before a duel. A real registry (Debian's docker-registry) on
127.0.0.1, which Docker accepts without TLS."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest
import requests

from builder.build import build_submission
from builder.image import BuildSettings
from core.management.commands.arena_demo import zip_folder
from run_duel import Limits
from run_duel.docker_sandbox import DockerPlayer
from tests.conftest import BASE_IMAGE, EXAMPLE_PLAYERS, _docker_required

pytestmark = [pytest.mark.docker]


@pytest.fixture
def registry(tmp_path):
    binary = shutil.which("docker-registry")
    if binary is None:
        reason = "no docker-registry binary: apt-get install docker-registry"
        if _docker_required():
            pytest.fail(reason)
        pytest.skip(reason)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'storage'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        "log:\n  level: warn\n"
    )
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    address = f"127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(f"http://{address}/v2/", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield address
    process.terminate()
    process.wait()


def test_a_worker_pulls_the_image_the_builder_pushed(
    registry, docker_client, tmp_path, no_leftover_containers
):
    archive = tmp_path / "random.zip"
    archive.write_bytes(zip_folder(EXAMPLE_PLAYERS / "random").read())
    tag = f"{registry}/arena-player:test-{uuid.uuid4().hex[:8]}"
    outcome = build_submission(
        archive, tag, BuildSettings(base_image=BASE_IMAGE), client=docker_client, push=True
    )
    assert outcome.built, outcome.error or outcome.arena_error
    assert (
        tag.rpartition(":")[2]
        in requests.get(f"http://{registry}/v2/arena-player/tags/list", timeout=5).json()["tags"]
    )

    docker_client.images.remove(tag)  # this "worker" has never seen the image
    limits = Limits.for_environment("tic-tac-toe")
    try:
        with DockerPlayer(tag, "player 1", limits, client=docker_client, pull_missing=True) as p:
            p.open()
            assert p.start([0.0] * 9 + [1.0], tuple(range(9))) in range(9)
    finally:
        docker_client.images.remove(tag, force=True)
