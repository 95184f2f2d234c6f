"""Shared fixtures. Docker tests skip on a machine without an engine, but never in CI:
with CI or ARENA_REQUIRE_DOCKER set, a missing engine or base image fails the run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

# The browser fixtures, one Chromium for the whole session (see the module).
pytest_plugins = ["tests.browser.plugin", "tests.people"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAYERS = ROOT / "example_players"
BASE_IMAGE = os.environ.get("ARENA_PLAYER_BASE_IMAGE", "arena-player-base:latest")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def golden_dir() -> Path:
    """The recorded trajectories: ``<repo>/../shared/golden`` unless ARENA_GOLDEN_DIR says.

    Absent, the golden tests skip on a participant's clone but fail in CI, where shared/ is
    always beside the repository.
    """
    override = os.environ.get("ARENA_GOLDEN_DIR")
    folder = Path(override) if override else ROOT.parent / "shared" / "golden"
    if not folder.is_dir():
        reason = f"no golden trajectories at {folder} (set ARENA_GOLDEN_DIR to their folder)"
        if _docker_required():
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


def _docker_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("ARENA_REQUIRE_DOCKER"))


def _docker_missing(reason: str) -> None:
    if _docker_required():
        pytest.fail(f"{reason} (Docker tests are required here: CI or ARENA_REQUIRE_DOCKER is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client():
    from run_duel.docker_sandbox import docker_client as connect
    from run_duel.errors import ArenaError

    try:
        client = connect()
    except ArenaError as exc:
        _docker_missing(str(exc))
    try:
        client.images.get(BASE_IMAGE)
    except Exception:
        _docker_missing(
            f"the player base image {BASE_IMAGE} is missing: "
            "run builder/docker/build-debian-base.sh"
        )
    yield client
    client.close()


@pytest.fixture(scope="session")
def player_image(docker_client, tmp_path_factory):
    """Builds (once per content) the image of an example player folder; returns its tag."""
    from builder.image import BuildSettings, build_player_image, context_digest
    from run_duel.docker_sandbox import image_exists

    settings = BuildSettings(base_image=BASE_IMAGE)

    def build(folder: Path) -> str:
        tag = f"arena-test-player:{context_digest(folder, settings)[:16]}"
        if not image_exists(docker_client, tag):
            build_player_image(docker_client, folder, tag, settings)
        return tag

    return build


@pytest.fixture
def no_leftover_containers(docker_client):
    """The test must leave no sandbox container behind."""
    from run_duel.docker_sandbox import SANDBOX_LABEL

    def ours():
        return {
            c.id for c in docker_client.containers.list(all=True, filters={"label": SANDBOX_LABEL})
        }

    before = ours()
    yield
    assert ours() - before == set(), "sandbox containers were left behind"


def _services_missing(reason: str) -> None:
    if _docker_required():
        pytest.fail(f"{reason} (PostgreSQL and Redis tests are required here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_broker():
    """The test broker (Redis database 15), emptied; fails in CI when Redis is down."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        _services_missing(f"Redis does not answer at {settings.CELERY_BROKER_URL}: {exc}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _games(request, django_db_blocker):
    """The games, for every test that uses the database.

    Transactional tests empty every table when they end, so the rows are (re)made before
    each test rather than once per session; load_games is idempotent.
    """
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        yield
        return
    from core.games import load_games

    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        load_games()
    yield


class CeleryProcesses:
    """Real ``celery worker`` and ``celery beat`` processes on the test database and broker."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def env(self) -> dict[str, str]:
        from django.conf import settings
        from django.db import connection

        db = connection.settings_dict  # the test database pytest-django created
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "ARENA_VAR_DIR": str(settings.VAR_DIR),
            "ARENA_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONPATH": str(ROOT),
        }

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        command = [sys.executable, "-m", "celery", "-A", "core", *args]
        # A session of its own: a kill reaches the worker and its pool processes together.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def worker(
        self, name: str = "worker1", concurrency: int = 1, queues: str | None = None
    ) -> subprocess.Popen[bytes]:
        """A worker of ``queues`` (comma-separated, taken in that order), by default the
        default queue only."""
        return self.start(
            name,
            "worker",
            "-n",
            f"{name}@%h",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            *(["--queues", queues] if queues else []),
        )

    def beat(self) -> subprocess.Popen[bytes]:
        schedule = self.tmp_path / "celerybeat-schedule"
        return self.start("beat", "beat", "--loglevel", "INFO", "-s", str(schedule))

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop(self, name: str, sig: int | None = None) -> None:
        """Signal the process and its children (SIGTERM: a warm shutdown; SIGKILL: a crash)."""
        import signal

        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig or signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        import signal

        for name in list(self.processes):
            # A warm shutdown would wait for a running duel; tests are done with them.
            self.stop(name, signal.SIGKILL)


@pytest.fixture
def celery_processes(transactional_db, redis_broker, tmp_path):
    processes = CeleryProcesses(tmp_path)
    yield processes
    processes.stop_all()
    # Child processes of a killed worker die with their parent's pipe; reap stragglers.
    redis_broker.flushdb()


def outside_any_event_loop(function: Callable[[], T]) -> T:
    """``function()`` run in a thread of its own, its result or its exception passed on.

    The session's browser (Playwright's sync API) keeps an event loop in the main thread, so
    there, ``asyncio.run`` and asgiref's ``async_to_sync`` refuse to run: a test that needs
    either runs it here, as a server's thread would, whichever tests came before it.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # passed on to the test's thread below
            outcome["error"] = exc
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=run, name="outside-event-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def wait_for(condition, timeout: float = 120.0, interval: float = 0.25, message: str = ""):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:g} s waiting for {message or condition}")
