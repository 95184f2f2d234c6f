"""Fast feedback on real services (PostgreSQL, Redis, Docker, a Celery worker): what has
nothing to do is skipped, installed packages are reused only for the very same requirements,
and the build log reaches the revision while the build runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from builder.build_log import section_line
from builder.docker import install_requirements as installer
from builder.image import (
    BUILD_LABEL,
    DEPENDENCIES_REPOSITORY,
    BuildSettings,
    dependencies_key,
    prune_dependency_images,
)
from builder.tasks import build_revision, build_settings
from core.models import Revision
from duel_runner.tasks import validate_revision
from tests.builder.conftest import CA_BUNDLE, TEST_REPOSITORY, forget_installed_packages
from tests.builder.zips import RANDOM_PLAYER, zip_bytes
from tests.conftest import wait_for
from tests.platform import factories

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.docker, pytest.mark.slow]


def _submit(files: dict[str, str] | None = None, competitor=None) -> Revision:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from web.services import submit_revision

    # A comment makes each zip a new try of the same player, as a participant's next upload.
    player = RANDOM_PLAYER + f"\n# try {time.monotonic_ns()}\n"
    upload = SimpleUploadedFile("bot.zip", zip_bytes({"player.py": player, **(files or {})}))
    return submit_revision(competitor or factories.competitor(), upload)


def _build(revision: Revision) -> Revision:
    build_revision.apply(args=[revision.pk])
    revision.refresh_from_db()
    assert revision.image_state == Revision.IMAGE_COMPLETED, (
        f"{revision.image_error}\n{revision.image_log[-3000:]}"
    )
    return revision


def _step_containers(docker_client, since: float) -> int:
    """How many download and install containers were created since ``since``."""
    events = docker_client.events(
        since=int(since) - 1,
        until=int(time.time()) + 1,
        filters={"type": "container", "event": "create", "label": f"{BUILD_LABEL}=step"},
        decode=True,
    )
    try:
        return sum(1 for _ in events)
    finally:
        events.close()


def _run(docker_client, image: str, code: str) -> str:
    output = docker_client.containers.run(
        image, ["python3", "-c", code], network_mode="none", remove=True
    )
    return output.decode().strip()


def test_a_player_without_dependencies_skips_the_sandboxed_steps_and_validates(
    built_images, docker_client, no_leftover_containers
):
    since = time.time()
    revision = _build(_submit())

    assert _step_containers(docker_client, since) == 0
    log = revision.image_log
    assert "arena: nothing to install: no download and no install step\n" in log
    assert "step 1 of 3" not in log and "step 2 of 3" not in log
    assert section_line("image") in log
    # The image is the base image and one layer of the player's files (and the harness).
    base = docker_client.images.get(build_settings(revision).base_image)
    image = docker_client.images.get(revision.image_name)
    assert len(image.history()) == len(base.history()) + 1
    assert _run(docker_client, revision.image_name, "import player; print('ok')") == "ok"

    assert revision.test_state == Revision.TEST_SCHEDULED
    validate_revision.apply(args=[revision.pk])
    revision.refresh_from_db()
    assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error


def test_requirements_are_installed_sandboxed_once_and_reused_only_when_the_same(
    built_images, docker_client
):
    six_16, six_15 = "six==1.16.0\n", "six==1.15.0\n"
    settings = build_settings(_submit())
    for requirements in (six_16, six_15):  # earlier runs' dependencies images
        forget_installed_packages(docker_client, requirements, settings)

    # The first build with these requirements runs both sandboxed steps.
    since = time.time()
    first = _build(_submit({"requirements.txt": six_16}))
    assert _step_containers(docker_client, since) == 2
    assert "step 1 of 3: downloading" in first.image_log
    assert "step 2 of 3: installing, with no network" in first.image_log
    assert "installed packages kept for the next build" in first.image_log

    # The next try with the same requirements runs neither, and has the same packages.
    since = time.time()
    second = _build(_submit({"requirements.txt": six_16}))
    assert _step_containers(docker_client, since) == 0
    assert "its installed packages are reused" in second.image_log
    assert "step 1 of 3" not in second.image_log
    code = "import six, os; print(six.__version__, os.stat(six.__file__).st_uid)"
    assert _run(docker_client, second.image_name, code) == "1.16.0 0"  # owned by root

    # Other requirements never get them.
    since = time.time()
    other = _build(_submit({"requirements.txt": six_15}))
    assert _step_containers(docker_client, since) == 2
    assert "its installed packages are reused" not in other.image_log
    assert _run(docker_client, other.image_name, "import six; print(six.__version__)") == "1.15.0"

    # Pruned when old (now, here): only the tags go; the player images keep their layers.
    assert prune_dependency_images(docker_client, older_than=-60) >= 2
    assert not docker_client.images.list(name=DEPENDENCIES_REPOSITORY)
    assert _run(docker_client, second.image_name, "import six; print(six.__version__)") == "1.16.0"


def test_the_dependencies_key_tells_apart_all_that_decides_an_install(docker_client):
    settings = BuildSettings()

    def key(requirements: str, **changes) -> str | None:
        project = Path(__file__).parent
        plan = installer.plan(requirements, project)
        return dependencies_key(
            docker_client, plan, BuildSettings(**changes) if changes else settings
        )

    assert key("six\n") == key("six\n")
    different = {
        key("six\n"),
        key("six==1.16.0\n"),
        key("six\nnumpy\n"),
        key("numpy\nsix\n"),  # the order decides which of two conflicting pins wins
        key("--pre\nsix\n"),
        key("six\n", pip_index_url="http://127.0.0.1:1/simple"),
        key("six\n", pip_extra_index_url="http://127.0.0.1:1/simple"),
        key("six\n", torch_index_url="http://127.0.0.1:1/cpu"),
    }
    assert len(different) == 8 and None not in different
    # The submission's own packages run their setup.py on its files: never kept.
    assert key("./pkg\nsix\n") is None
    assert key("") is None


def test_the_build_log_reaches_the_revision_page_while_the_build_runs(
    built_images, celery_processes, docker_client, owner, monkeypatch
):
    # A local package whose setup.py takes a while: the install step is slow on purpose.
    setup = (
        "import time\ntime.sleep(20)\nfrom setuptools import setup\n"
        "setup(name='slow', version='1.0', py_modules=[])\n"
    )
    if CA_BUNDLE.is_file():  # the worker's pip, behind an intercepting proxy
        monkeypatch.setenv("ARENA_PIP_CA_BUNDLE", str(CA_BUNDLE))
    monkeypatch.setenv("ARENA_PLAYER_IMAGE_REPOSITORY", TEST_REPOSITORY)
    celery_processes.worker("worker1")
    competitor = factories.competitor(owner=owner)
    revision = _submit({"requirements.txt": "./slow\n", "slow/setup.py": setup}, competitor)

    def installing() -> bool:
        revision.refresh_from_db()
        assert revision.image_state != Revision.IMAGE_FAILED, revision.image_error
        return (
            revision.image_state == Revision.IMAGE_RUNNING
            and "arena: installing ./slow" in revision.image_log
        )

    wait_for(installing, 240, message="the build log while the install step runs")
    assert revision.image_log.startswith(section_line("unpacking"))
    assert "arena: step 1 of 3: downloading" in revision.image_log

    # Its owner's page polls it, as the arena's steps.
    client = Client()
    client.force_login(owner)
    status = reverse(
        "revision-status", args=[competitor.environment.slug, competitor.name, revision.version]
    )
    data = client.get(status).json()
    assert data["done"] is False
    assert "installing ./slow" in data["build_log_html"]
    assert '<h3 class="build-step-title">Dependencies</h3>' in data["build_log_html"]

    def validated() -> bool:
        revision.refresh_from_db()
        assert revision.image_state != Revision.IMAGE_FAILED, revision.image_error
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(validated, 240, message="the end of the build and the validation")
    assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error
    assert "arena: built " in revision.image_log
