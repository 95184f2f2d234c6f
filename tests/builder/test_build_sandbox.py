"""A submission's code runs at build time only inside a sandbox: no network, bounded.

Each test builds a real image with Docker from a submission whose local package (listed in
requirements.txt) has a hostile setup.py. The network test listens in a network namespace
the test makes itself (a veth pair on 10.250.x.y/30, removed afterwards): a container with
network reaches it, the build's setup.py does not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from builder.image import BUILD_LABEL, BuildError, BuildSettings
from builder.image import build_player_image as build
from tests.builder.conftest import forget_installed_packages
from tests.builder.zips import RANDOM_PLAYER
from tests.conftest import BASE_IMAGE, EXAMPLE_PLAYERS

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
TAG = "arena-test-sandboxed-build:latest"
MiB = 1024 * 1024


def _settings(**overrides) -> BuildSettings:
    defaults = dict(
        base_image=BASE_IMAGE,
        pip_ca_bundle=CA_BUNDLE if CA_BUNDLE.is_file() else None,
        timeout=300.0,
        memory=256 * MiB,
        disk=64 * MiB,
        pids=48,
        labels=RUN_LABEL,
    )
    return BuildSettings(**{**defaults, **overrides})


def _submission(folder: Path, setup_body: str) -> Path:
    """A player whose requirements.txt lists its own package ./pkg, with this setup.py."""
    (folder / "pkg").mkdir(parents=True)
    (folder / "player.py").write_text(RANDOM_PLAYER)
    (folder / "requirements.txt").write_text("./pkg\n")
    setup = textwrap.dedent(setup_body) + "\nfrom setuptools import setup\nsetup(name='pkg')\n"
    (folder / "pkg" / "setup.py").write_text(setup)
    return folder


# The builds of this test run carry this label, on their stage images and step containers too.
RUN_LABEL = {"org.rl-arena.test-run": uuid.uuid4().hex}


@pytest.fixture
def built(docker_client):
    """Removes the image afterwards, and checks that the build left nothing behind."""
    yield
    for image in docker_client.images.list(name=TAG):
        docker_client.images.remove(image.id, force=True)
    ours = {"label": [f"{key}={value}" for key, value in RUN_LABEL.items()]}
    assert docker_client.containers.list(all=True, filters=ours) == []
    assert [i for i in docker_client.images.list(filters=ours) if BUILD_LABEL in i.labels] == []


LISTENER = """
import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((sys.argv[1], int(sys.argv[2])))
server.listen(8)
server.settimeout(1)
print("ready", flush=True)
end = time.monotonic() + 600  # never outlives the test for long
with open(sys.argv[3], "a") as seen:
    while time.monotonic() < end:
        try:
            connection, peer = server.accept()
        except socket.timeout:
            continue
        seen.write(f"{peer}\\n")
        seen.flush()
        connection.close()
"""


@pytest.fixture
def namespace_listener(tmp_path):
    """(address, port, connections()) of a TCP listener in a network namespace of our own."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        reason = "making a network namespace needs root and iproute2"
        if os.environ.get("CI") or os.environ.get("ARENA_REQUIRE_DOCKER"):
            pytest.fail(f"{reason} (required here: .ci/run installs iproute2)")
        pytest.skip(reason)
    key = os.getpid() % 200 + 20
    name, host_side, inside = f"arena-build-{key}", f"abuild{key}h", f"abuild{key}n"
    host_address, address, port = f"10.250.{key}.2", f"10.250.{key}.1", 18099

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    seen = tmp_path / "connections.txt"
    seen.touch()
    ip("netns", "add", name)
    listener = None
    try:
        ip("link", "add", host_side, "type", "veth", "peer", "name", inside)
        ip("link", "set", inside, "netns", name)
        ip("addr", "add", f"{host_address}/30", "dev", host_side)
        ip("link", "set", host_side, "up")
        ip("netns", "exec", name, "ip", "addr", "add", f"{address}/30", "dev", inside)
        ip("netns", "exec", name, "ip", "link", "set", inside, "up")
        listener = subprocess.Popen(
            [
                *("ip", "netns", "exec", name, sys.executable, "-c", LISTENER),
                address,
                str(port),
                str(seen),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
        yield address, port, lambda: seen.read_text().splitlines()
    finally:
        if listener is not None:
            listener.kill()
            listener.wait()
        subprocess.run(["ip", "netns", "del", name], check=False)  # takes the veth pair along


CONNECT = """
import socket
try:
    socket.create_connection(({address!r}, {port}), timeout=5).close()
    print("arena-test: connected to the listener")
except OSError as exc:
    print(f"arena-test: no connection: {{exc!r}}")
"""


def test_a_setup_py_cannot_reach_the_network(tmp_path, docker_client, namespace_listener, built):
    address, port, connections = namespace_listener
    # The listener can be reached from a container that has network: the proof can fail.
    control = docker_client.containers.run(
        BASE_IMAGE, ["python3", "-c", CONNECT.format(address=address, port=port)], remove=True
    )
    assert b"connected to the listener" in control
    assert len(connections()) == 1

    # The setup.py says what it got and fails, so that pip shows its output.
    setup = CONNECT.format(address=address, port=port) + "raise SystemExit(1)\n"
    folder = _submission(tmp_path / "player", setup)
    with pytest.raises(BuildError) as failure:
        build(docker_client, folder, TAG, _settings())

    log = failure.value.log
    assert type(failure.value) is BuildError
    assert "arena-test: no connection: OSError(101, 'Network is unreachable')" in log, log[-3000:]
    assert "connected to the listener" not in log
    assert len(connections()) == 1, "the build's setup.py reached the listener"
    assert str(failure.value).startswith("installing the dependencies failed: could not install")


HOSTILE_SETUPS = {
    "memory": (
        "chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))\n",
        "the build used more than its memory limit (256.0 MiB)",
    ),
    "pids": (
        # Children sleep (they would fork too, but then only the limit would end it sooner).
        "import os, time\n"
        "while True:\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(120)\n"
        "        os._exit(0)\n",
        "the build ran into its limit of 48 processes (a fork failed)",
    ),
    "disk": (
        "import os\n"
        "with open(os.path.join(os.environ['TMPDIR'], 'huge'), 'wb') as f:\n"
        "    while True:\n"
        "        f.write(b'x' * 1024 * 1024)\n",
        "the build wrote more than its disk limit (64.0 MiB)",
    ),
    "deadline": (
        "import time\ntime.sleep(3600)\n",
        "the build took longer than 40 s",
    ),
}


@pytest.mark.parametrize("limit", list(HOSTILE_SETUPS))
def test_a_hostile_setup_py_ends_as_the_participants_error(tmp_path, docker_client, built, limit):
    setup, message = HOSTILE_SETUPS[limit]
    folder = _submission(tmp_path / "player", setup)
    started = time.monotonic()
    with pytest.raises(BuildError) as failure:
        build(docker_client, folder, TAG, _settings(timeout=40.0))

    assert type(failure.value) is BuildError  # the participant's, not the arena's
    assert str(failure.value).startswith(message), f"{failure.value}\n{failure.value.log[-3000:]}"
    assert time.monotonic() - started < 200, "bounded by the build's deadline and then some"
    assert not docker_client.images.list(name=TAG)
    # The host is fine: Docker answers and a player still runs.
    assert docker_client.ping()


TORCH_VERSION = "2.13.0"
# Outside the work tree, kept between runs: the wheel weighs about 190 MB.
TORCH_WHEELHOUSE = Path(
    os.environ.get("ARENA_TEST_TORCH_WHEELHOUSE", "/tmp/arena-torch-wheelhouse")
)


def _torch_wheelhouse() -> Path:
    """A wheelhouse with the wheel `pip install torch==2.13.0` finds here (downloaded once)."""
    if not list(TORCH_WHEELHOUSE.glob(f"torch-{TORCH_VERSION}*.whl")):
        TORCH_WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"),
                *("--dest", str(TORCH_WHEELHOUSE), f"torch=={TORCH_VERSION}"),
            ],
            check=True,
            capture_output=True,
        )
    return TORCH_WHEELHOUSE


TORCH_PLAYER = """
import torch


class Player:
    def __init__(self, train_mode):
        self.weights = torch.zeros(9)

    def start(self, state, valid_actions):
        return self.step(state, valid_actions, 0.0)

    def step(self, state, valid_actions, prev_reward):
        scores = self.weights[torch.as_tensor(valid_actions)]
        return int(valid_actions[int(torch.argmax(scores))])

    def end(self, state, prev_reward):
        pass
"""


def test_torch_installs_as_its_cpu_build_and_plays(tmp_path, docker_client, player_image, built):
    from run_duel import Limits, run_duel
    from run_duel.docker_sandbox import DockerPlayer

    wheelhouse = _torch_wheelhouse()
    (wheel,) = wheelhouse.glob(f"torch-{TORCH_VERSION}*.whl")
    assert "+cpu" in wheel.name, f"{wheel.name} is not torch's CPU build"
    folder = tmp_path / "player"
    folder.mkdir()
    (folder / "player.py").write_text(TORCH_PLAYER)
    (folder / "requirements.txt").write_text(f"torch=={TORCH_VERSION}\n")
    settings = _settings(wheelhouse=wheelhouse, memory=2048 * MiB, disk=2048 * MiB, timeout=900)
    forget_installed_packages(docker_client, f"torch=={TORCH_VERSION}\n", settings)

    try:
        image = build(docker_client, folder, TAG, settings)
    finally:  # a gigabyte of installed packages no other build will ask for
        forget_installed_packages(docker_client, f"torch=={TORCH_VERSION}\n", settings)

    assert "torch comes as its CPU build" in image.log
    assert f"Saved {'/opt/arena/wheels/'}{wheel.name}" in image.log
    assert "nvidia" not in image.log.lower()
    assert f"built {TAG}: " in image.log  # with its size
    limits = Limits.for_environment("tic-tac-toe", startup_timeout=120)
    with (
        DockerPlayer(TAG, "player 1", limits) as torch_player,
        DockerPlayer(player_image(EXAMPLE_PLAYERS / "random"), "player 2", limits) as other,
    ):
        record = run_duel("tic-tac-toe", torch_player, other, 2)
    assert record["player_1_errors"] == 0, (record["error_msg"], torch_player.log.text()[-2000:])
    assert record["other_errors"] == 0


def test_a_dead_builds_leftover_containers_are_swept(docker_client):
    from builder.image import sweep_leftovers

    leftover = docker_client.containers.run(
        BASE_IMAGE,
        ["true"],
        labels={BUILD_LABEL: "step", **RUN_LABEL},
        network_mode="none",
        detach=True,
    )
    leftover.wait(timeout=60)
    running = docker_client.containers.run(
        BASE_IMAGE,
        ["sleep", "60"],
        labels={BUILD_LABEL: "step", **RUN_LABEL},
        network_mode="none",
        detach=True,
    )
    try:
        sweep_leftovers(docker_client, timeout=300)
        found = docker_client.containers.list(all=True, filters={"label": BUILD_LABEL})
        ids = {container.id for container in found}
        assert leftover.id not in ids
        assert running.id in ids, "a step container still at work is another build's"
    finally:
        running.remove(force=True)
        with contextlib.suppress(Exception):
            leftover.remove(force=True)


def test_torchs_cuda_build_is_never_downloaded(tmp_path, docker_client, built):
    # Without the CPU build at hand (no wheelhouse, no CPU index), the index's torch is the
    # CUDA build: refused, with a way out, and never downloaded (gigabytes of nvidia packages).
    folder = tmp_path / "player"
    folder.mkdir()
    (folder / "player.py").write_text(TORCH_PLAYER)
    (folder / "requirements.txt").write_text(f"torch=={TORCH_VERSION}\n")

    with pytest.raises(BuildError) as failure:
        build(docker_client, folder, TAG, _settings(disk=256 * MiB))

    assert type(failure.value) is BuildError
    message = str(failure.value)
    assert message.startswith(
        f"installing the dependencies failed: could not install torch=={TORCH_VERSION}: the "
        "arena has no GPU and installs torch's CPU build only, and the arena has neither a CPU "
        "package index nor a wheelhouse"
    ), message
    assert "ARENA_TORCH_INDEX_URL" in message
    assert "Downloading torch" not in failure.value.log
