"""The embedded mode's secret (var/secret_key, when ARENA_SECRET_KEY is unset) is created whole,
readable by its owner only, the same for every process that starts at once; and no secret (nor
var/, nor .venv) ever enters the app image's build context."""

from __future__ import annotations

import io
import shutil
import stat
import tarfile
import threading
import uuid
from pathlib import Path

import pytest

from core.env import read_or_create_secret
from tests.conftest import ROOT


def test_the_secret_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "secret_key"
    secret = read_or_create_secret(path)
    assert len(secret) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret(path) == secret
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_processes_starting_together_share_one_secret(tmp_path):
    path = tmp_path / "secret_key"
    found: list[str] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        found.append(read_or_create_secret(path))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert path.read_text() == found[0]


def test_an_older_secret_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("an-old-secret\n")
    path.chmod(0o644)
    assert read_or_create_secret(path) == "an-old-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.docker
def test_no_secret_enters_the_app_image(tmp_path, docker_client):
    """Docker's own reading of .dockerignore: a build of a context like the repository's."""
    context = tmp_path / "context"
    for name in ("var/secret_key", "secrets/deploy_key", ".venv/bin/python", "web/x/secret_key"):
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text("private")
    (context / "core").mkdir()
    (context / "core" / "settings.py").write_text("kept")
    shutil.copy(ROOT / ".dockerignore", context / ".dockerignore")
    (context / "Dockerfile.context").write_text("FROM scratch\nCOPY . /context/\n")
    tag = f"arena-test-context:{uuid.uuid4().hex[:12]}"
    image, _ = docker_client.images.build(
        path=str(context), dockerfile="Dockerfile.context", tag=tag, rm=True
    )
    try:
        container = docker_client.containers.create(tag, command=["/none"])
        try:
            archive = io.BytesIO(b"".join(container.export()))
        finally:
            container.remove(force=True)
    finally:
        docker_client.images.remove(image.id, force=True)
    with tarfile.open(fileobj=archive) as tar:
        names = {Path(member.name) for member in tar.getmembers()}
    copied = {name.relative_to("context") for name in names if name.parts[:1] == ("context",)}
    assert Path("core/settings.py") in copied  # the build did copy the context
    for private in ("var", "secrets", ".venv", "web/x/secret_key"):
        assert Path(private) not in copied, private
