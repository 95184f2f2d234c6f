"""The build task on the real services: PostgreSQL, Redis (the queue) and Docker.

The task runs in the test's process (``build_revision.apply``), on rows made through the real
submission path; what it enqueues lands in the test broker, which no worker reads.
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.base import ContentFile

from builder.tasks import build_revision
from core.models import Revision
from core.sandbox import process_folder, sandbox_kind
from tests.builder.conftest import TEST_REPOSITORY, queued_tasks
from tests.builder.zips import RANDOM_PLAYER, zip_bytes
from tests.conftest import EXAMPLE_PLAYERS
from tests.platform import factories

pytestmark = [pytest.mark.django_db, pytest.mark.services]

RANDOM = EXAMPLE_PLAYERS / "random"


def _submit(files: dict[str, str] | None = None) -> Revision:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from web.services import submit_revision

    upload = SimpleUploadedFile("bot.zip", zip_bytes({"player.py": RANDOM_PLAYER, **(files or {})}))
    return submit_revision(factories.competitor(), upload)


def _build(revision: Revision) -> Revision:
    build_revision.apply(args=[revision.pk])
    revision.refresh_from_db()
    return revision


@pytest.mark.docker
@pytest.mark.slow
def test_it_builds_a_submitted_player(
    built_images, docker_client, redis_broker, django_capture_on_commit_callbacks
):
    revision = factories.submit(RANDOM)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _build(revision)

    assert revision.image_state == Revision.IMAGE_COMPLETED, revision.image_error
    assert revision.image_name == f"{TEST_REPOSITORY}:{revision.pk}"
    assert revision.sandbox == Revision.SANDBOX_DOCKER
    assert revision.image_error == ""
    assert revision.test_state == Revision.TEST_SCHEDULED
    assert revision.claim is None
    assert revision.image_log.startswith(
        "arena: ## unpacking\narena: the zip is unpacked and checked: 2 files"
    )
    assert (
        "arena: ## dependencies\narena: dependencies: none (no requirements.txt or "
        "environment.yml)\n" in revision.image_log
    )
    assert f"arena: built {revision.image_name}: " in revision.image_log  # and its size

    image = docker_client.images.get(revision.image_name)
    assert image.labels["org.rl-arena.revision"] == str(revision.pk)
    assert image.labels["org.rl-arena.game"] == "tic-tac-toe"
    assert image.labels["org.rl-arena.competitor"] == revision.competitor.name
    output = docker_client.containers.run(
        revision.image_name,
        ["python3", "-c", "import player; print(player.Player(False).__class__.__name__)"],
        network_mode="none",
        remove=True,
    )
    assert output.decode().strip() == "Player"

    # Its validation is enqueued once the outcome is committed.
    assert len(callbacks) == 1
    assert ("duel_runner.tasks.validate_revision", [revision.pk]) in [
        (name, args) for name, args, _ in queued_tasks(redis_broker)
    ]


@pytest.mark.docker
@pytest.mark.slow
def test_it_builds_a_revision_once(built_images, docker_client):
    revision = _build(factories.submit(RANDOM))
    assert revision.image_state == Revision.IMAGE_COMPLETED, revision.image_error
    docker_client.images.remove(revision.image_name)
    log, heartbeat = revision.image_log, revision.heartbeat

    again = _build(revision)  # a duplicate message, say
    assert again.image_state == Revision.IMAGE_COMPLETED
    assert (again.image_log, again.heartbeat) == (log, heartbeat)
    assert not docker_client.images.list(name=revision.image_name), "built a second time"


def test_it_leaves_alone_a_revision_another_worker_builds(build_settings):
    revision = _submit()
    Revision.objects.filter(pk=revision.pk).update(
        image_state=Revision.IMAGE_RUNNING, worker="elsewhere:1"
    )
    revision = _build(revision)
    assert (revision.image_state, revision.worker) == (Revision.IMAGE_RUNNING, "elsewhere:1")
    assert revision.image_log == ""


def test_it_returns_quietly_when_the_revision_is_gone():
    assert build_revision.apply(args=[987654321]).successful()


@pytest.mark.docker
@pytest.mark.slow
def test_it_fails_a_requirement_that_does_not_exist(built_images, docker_client):
    revision = _build(_submit({"requirements.txt": "nonexistent-arena-package-xyz\n"}))

    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.test_state == Revision.TEST_PENDING
    assert revision.image_error == (
        "installing the dependencies failed: could not install nonexistent-arena-package-xyz: "
        "No matching distribution found for nonexistent-arena-package-xyz. Check these names "
        "and versions in requirements.txt (or environment.yml); the build log shows pip's full "
        "output. The arena takes ready-made wheels for its Python (3.11, Linux) from its "
        "package index: no source package is built there"
    )
    assert "arena: ## dependencies\narena: dependencies: requirements.txt" in revision.image_log
    # pip's own words are in the log.
    assert (
        "ERROR: No matching distribution found for nonexistent-arena-package-xyz"
        in revision.image_log
    )
    assert not docker_client.images.list(name=f"{TEST_REPOSITORY}:{revision.pk}")


@pytest.mark.docker
@pytest.mark.slow
def test_it_relaxes_a_pin_that_does_not_install_on_this_python(built_images, docker_client):
    # The original arena's format, as a 2019 submission has it.
    environment = "dependencies:\n  - python=3.7\n  - numpy=1.16.5\n  - pip\n"
    revision = _build(_submit({"environment.yml": environment}))

    assert revision.image_state == Revision.IMAGE_COMPLETED, (
        f"{revision.image_error}\n{revision.image_log[-3000:]}"
    )
    log = revision.image_log
    notes = log[: log.index("\n\n")].splitlines()
    assert notes[:2] == [
        "arena: ## unpacking",
        "arena: the zip is unpacked and checked: 2 files, "
        f"{len(RANDOM_PLAYER.encode()) + len(environment):,} bytes",
    ]
    assert notes[2:] == [
        "arena: ## dependencies",
        "arena: dependencies: environment.yml, converted to pip requirements",
        "arena: skipped python=3.7: the image has its own Python",
        "arena: numpy=1.16.5 -> numpy==1.16.5",
        "arena: skipped pip: not needed to play, or not installable with pip",
        "arena: requirements to install:",
        "    numpy==1.16.5",
    ]
    assert (
        "relaxed numpy==1.16.5 to numpy: no release of that version installs on Python 3.11" in log
    )
    output = docker_client.containers.run(
        revision.image_name, ["python3", "-c", "import numpy"], network_mode="none", remove=True
    )
    assert output == b""


@pytest.mark.docker
@pytest.mark.slow
def test_it_fails_a_build_past_its_deadline(built_images, build_settings, docker_client):
    build_settings.ARENA_BUILD_TIMEOUT = 5.0
    # A local package whose setup takes a minute, in silence.
    setup = "import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup(name='slow')\n"
    revision = _build(_submit({"requirements.txt": "./slow\n", "slow/setup.py": setup}))

    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error.startswith(
        "the build took longer than 5 s: install fewer or smaller dependencies"
    )
    # What the build wrote until it was stopped is kept (pip's own lines may not have come yet
    # within 5 s on a busy machine, so the arena's line is the one checked).
    assert "arena: installing ./slow" in revision.image_log
    assert not docker_client.images.list(name=f"{TEST_REPOSITORY}:{revision.pk}")


@pytest.mark.docker
@pytest.mark.slow
def test_it_keeps_a_capped_log_of_a_build_that_prints_without_end(built_images, docker_client):
    # A local package whose setup.py prints 8 MB, NUL bytes included, then fails: pip shows
    # all of it.
    setup = (
        "import sys\n"
        "sys.stdout.write('start of the flood \\x00\\n')\n"
        "for _ in range(8 * 1024):\n"
        "    sys.stdout.write('x' * 1023 + '\\n')\n"
        "raise SystemExit('the end of the flood')\n"
    )
    revision = _build(_submit({"requirements.txt": "./flood\n", "flood/setup.py": setup}))

    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error.startswith("installing the dependencies failed")
    log = revision.image_log
    assert len(log) < 300 * 1024, "the log is capped"
    assert "bytes of log skipped" in log
    assert "\x00" not in log
    assert "arena: dependencies: requirements.txt" in log[:1000]  # the head is kept
    assert "the end of the flood" in log  # and so is the tail, where pip says what failed


def test_it_fails_a_stored_zip_it_cannot_use(build_settings):
    # submit_revision rejects such a zip; one that got in otherwise fails with the same words.
    competitor = factories.competitor()
    revision = Revision(competitor=competitor, version=1)
    revision.zip_file.save("bot.zip", ContentFile(zip_bytes({"main.py": "x"})))
    revision = _build(revision)

    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error.startswith("the zip has no player.py at its root")
    assert revision.image_log == f"arena: ## unpacking\narena: {revision.image_error}\n"
    assert revision.test_state == Revision.TEST_PENDING


def test_it_fails_a_revision_whose_zip_is_gone(build_settings):
    revision = _submit()
    revision.zip_file.storage.delete(revision.zip_file.name)
    revision = _build(revision)
    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error == (
        "the submitted zip is no longer in the arena's storage: submit it again"
    )


def test_it_retries_when_docker_does_not_answer(
    build_settings, monkeypatch, redis_broker, django_capture_on_commit_callbacks, caplog
):
    # A real client on a socket nobody listens on: what a worker sees when dockerd is down.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    revision = _submit({"requirements.txt": "numpy\n"})

    with django_capture_on_commit_callbacks(execute=True):
        _build(revision)
    assert revision.image_state == Revision.IMAGE_SCHEDULED
    assert revision.image_error == ""
    assert revision.claim is None
    assert "arena: requirements to install:\n    numpy\n" in revision.image_log
    assert revision.image_attempts == 1
    retries = [h for name, args, h in queued_tasks(redis_broker) if args == [revision.pk]]
    assert [h["task"] for h in retries] == ["builder.tasks.build_revision"]
    assert retries[0]["eta"], "the retry should wait"

    # The last allowed attempt fails for good, and says whose fault it is.
    last = build_settings.ARENA_MAX_BUILD_ATTEMPTS - 1
    Revision.objects.filter(pk=revision.pk).update(image_attempts=last)
    with caplog.at_level(logging.ERROR, logger="builder.tasks"):
        build_revision.apply(args=[revision.pk])
    revision.refresh_from_db()
    assert revision.image_attempts == build_settings.ARENA_MAX_BUILD_ATTEMPTS
    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error.startswith("the arena could not reach Docker (")
    assert revision.image_error.endswith(
        "That is the arena's fault, not your submission's: a maintainer was told. "
        "Submit it again later"
    )
    assert revision.test_state == Revision.TEST_PENDING
    assert any("giving up" in record.getMessage() for record in caplog.records)


def test_it_gives_up_on_an_arena_that_keeps_failing(build_settings):
    # A misconfigured worker: its errors are the arena's, retried, then reported as such.
    build_settings.ARENA_SANDBOX = "process"
    build_settings.ARENA_ALLOW_PROCESS_SANDBOX = False
    sandbox_kind.cache_clear()
    try:
        revision = _submit()
        last = build_settings.ARENA_MAX_BUILD_ATTEMPTS - 1
        Revision.objects.filter(pk=revision.pk).update(image_attempts=last)
        build_revision.apply(args=[revision.pk])
    finally:
        sandbox_kind.cache_clear()
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_FAILED
    assert revision.image_error.startswith(
        "the build failed in the arena (players would run as local processes, without isolation"
    )
    assert "a maintainer was told" in revision.image_error


@pytest.fixture
def process_sandbox(build_settings):
    build_settings.ARENA_SANDBOX = "process"
    build_settings.ARENA_ALLOW_PROCESS_SANDBOX = True
    sandbox_kind.cache_clear()
    yield
    sandbox_kind.cache_clear()


def test_it_unpacks_the_player_for_the_process_sandbox(process_sandbox):
    revision = _build(_submit({"requirements.txt": "gym\n"}))

    assert revision.image_state == Revision.IMAGE_COMPLETED, revision.image_error
    folder = process_folder(revision)
    assert revision.sandbox == Revision.SANDBOX_PROCESS
    assert revision.image_name == str(folder)
    assert (folder / "player.py").read_text() == RANDOM_PLAYER
    assert "arena: the dependencies are not installed: players run as local processes" in (
        revision.image_log
    )
    assert revision.test_state == Revision.TEST_SCHEDULED
