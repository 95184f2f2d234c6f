"""The deployment's tools and images, for the tests of the compose stack and nginx.

Nothing here is mocked: the compose tool (``docker compose`` or ``docker-compose``), Debian's
nginx and the Docker engine are the machine's. Without them these tests skip on a participant's
machine and fail in CI (CI or ARENA_REQUIRE_DOCKER set), like the other Docker tests.

No image registry is needed: the images are built from a local Debian root
(``ARENA_TEST_DEBIAN_ROOT``, default ``arena-debian-root:bookworm``, which
builder/docker/build-debian-base.sh leaves behind), with pip given the machine's CA bundle
(``ARENA_TEST_PIP_CERT``, default /etc/ssl/certs/ca-certificates.crt when it exists) for a proxy
that intercepts TLS.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, _docker_missing

DEBIAN_ROOT = os.environ.get("ARENA_TEST_DEBIAN_ROOT", "arena-debian-root:bookworm")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# The CA bundle goes into the build context under this name (ignored by git), and out again.
BUILD_CA = ROOT / "docker" / "build-ca.pem"
# The site's domain in the tests (a reserved name: never resolved, never certified by anyone).
DOMAIN = "arena.test"


def run(
    command: list[str], *, timeout: float = 600, check: bool = True, **kwargs
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure the assertion shows its output."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=kwargs.pop("cwd", ROOT),
        **kwargs,
    )  # fmt: skip
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
        )
    return result


def compose_environment() -> dict[str, str]:
    """This process's environment without the compose files' variables: the tests' settings
    (tests/settings.py exports some) must not override the --env-file given to compose."""
    import re

    used: set[str] = set()
    for name in ("docker-compose.yml", "docker-compose.worker.yml"):
        used |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / name).read_text()))
    return {key: value for key, value in os.environ.items() if key not in used}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(folder: Path) -> Path:
    """fullchain.pem and privkey.pem for arena.test (and 127.0.0.1), valid for a day."""
    folder.mkdir(parents=True, exist_ok=True)
    run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={DOMAIN}", "-addext", f"subjectAltName=DNS:{DOMAIN},IP:127.0.0.1",
         "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        timeout=60,
    )  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def compose() -> list[str]:
    """The compose command line: ``docker compose`` (v2) when it is there, else docker-compose."""
    for command in (["docker", "compose"], ["docker-compose"]):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if (
                subprocess.run([*command, "version"], capture_output=True, timeout=60).returncode
                == 0
            ):
                return command
    _docker_missing(
        "neither `docker compose` nor `docker-compose` is installed "
        "(apt-get install docker-compose, or Docker's compose plugin)"
    )
    raise AssertionError  # unreachable


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not path:
        _docker_missing("nginx is not installed (apt-get install nginx)")
    return path


@pytest.fixture(scope="session")
def docker_engine() -> None:
    try:
        answered = subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode
    except (OSError, subprocess.SubprocessError) as exc:
        _docker_missing(f"no docker command or engine ({exc})")
    if answered != 0:
        _docker_missing("no Docker engine answers (docker info failed)")
    if run(["docker", "image", "inspect", DEBIAN_ROOT], check=False).returncode != 0:
        _docker_missing(
            f"the local Debian root {DEBIAN_ROOT} is missing: builder/docker/build-debian-base.sh "
            "makes it (or set ARENA_TEST_DEBIAN_ROOT to another Debian bookworm image)"
        )


@dataclass
class Deployment:
    """One compose project of the tests: its names, settings file and override."""

    compose: list[str]
    tmp: Path
    name: str = field(default_factory=lambda: f"arenae2e{uuid.uuid4().hex[:8]}")
    env: dict[str, str] = field(default_factory=dict)
    override: str = ""
    compose_file: str = "docker-compose.yml"

    @property
    def env_file(self) -> Path:
        return self.tmp / f"{self.name}.env"

    @property
    def override_file(self) -> Path:
        return self.tmp / f"{self.name}.override.yml"

    def write(self) -> None:
        self.env_file.write_text("".join(f"{key}={value}\n" for key, value in self.env.items()))
        self.override_file.write_text(self.override or "services:\n  web: {}\n")

    def command(self, *args: str) -> list[str]:
        return [
            *self.compose, "--project-name", self.name, "--env-file", str(self.env_file),
            "-f", str(ROOT / self.compose_file), "-f", str(self.override_file), *args,
        ]  # fmt: skip

    def __call__(self, *args: str, timeout: float = 900, check: bool = True):
        self.write()
        return run(self.command(*args), timeout=timeout, check=check, env=compose_environment())

    def container(self, service: str) -> str:
        ids = self("ps", "-q", service).stdout.split()
        assert ids, f"no {service} container"
        return ids[0]

    def logs(self, *services: str) -> str:
        return self("logs", "--no-color", "--tail", "150", *services, check=False).stdout


@pytest.fixture(scope="module")
def built_images(compose, docker_engine, tmp_path_factory) -> Iterator[dict[str, str]]:
    """The app, nginx and player base images, built by compose from the local Debian root.

    Every tag is removed at the end (the classic builder keeps its cache layers, untagged).
    """
    tag = uuid.uuid4().hex[:8]
    images = {
        "ARENA_IMAGE": f"arena-e2e-app:{tag}",
        "ARENA_NGINX_IMAGE": f"arena-e2e-nginx:{tag}",
        "ARENA_PLAYER_BASE_IMAGE": f"arena-e2e-player-base:{tag}",
    }
    deployment = Deployment(compose, tmp_path_factory.mktemp("build"))
    deployment.env = {
        "ARENA_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://unused@127.0.0.1/unused",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
        "POSTGRES_PASSWORD": "unused",
        "REDIS_PASSWORD": "unused",
        "ARENA_REGISTRY_USERNAME": "unused",
        "ARENA_REGISTRY_PASSWORD": "unused",
        "ARENA_APP_BASE_IMAGE": DEBIAN_ROOT,
        "ARENA_NGINX_BASE_IMAGE": DEBIAN_ROOT,
        "ARENA_PLAYER_BASE_FROM": DEBIAN_ROOT,
        **images,
    }
    pip_cert = Path(os.environ.get("ARENA_TEST_PIP_CERT") or HOST_CA_BUNDLE)
    try:
        if pip_cert.is_file():
            BUILD_CA.write_bytes(pip_cert.read_bytes())
            deployment.env["ARENA_BUILD_PIP_CERT"] = str(BUILD_CA.relative_to(ROOT))
        deployment("build", "web", "nginx", "player-base", timeout=1800)
    except BaseException:
        _remove_images(images.values())
        raise
    finally:
        BUILD_CA.unlink(missing_ok=True)
    yield images
    _remove_images(images.values())


def _remove_images(tags) -> None:
    for tag in tags:
        subprocess.run(["docker", "rmi", "--force", tag], capture_output=True, timeout=120)
