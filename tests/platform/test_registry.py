"""Several worker machines: the builder pushes player images to a registry and a worker pulls
the image it lacks before a duel. A real registry (Debian's docker-registry) on 127.0.0.1,
which Docker accepts without TLS, configured as the compose stack's: htpasswd basic auth
(bcrypt), deletes disabled.

What must hold against someone who reaches the registry: without the credentials nothing is
pushed or pulled; with them, nothing is deleted; and whoever moves a tag cannot make a worker
run another image than the one built for the revision (workers run images by digest)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker.errors
import pytest
import requests

from builder.build import build_submission
from builder.image import ArenaBuildError, BuildSettings, push_image
from builder.registry import htpasswd_line
from console.management.commands.arena_demo import zip_folder
from run_duel import Limits
from run_duel.docker_sandbox import DockerPlayer
from run_duel.errors import ArenaError
from run_duel.images import RegistryAuth, pinned_reference
from tests.conftest import BASE_IMAGE, EXAMPLE_PLAYERS, ROOT, _docker_required
from tests.platform import factories

pytestmark = [pytest.mark.docker]

REPOSITORY = "arena-player"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


@dataclass
class Registry:
    address: str
    auth: RegistryAuth

    def url(self, path: str) -> str:
        return f"http://{self.address}/v2/{path}"

    def manifest_digest(self, reference: str, auth: RegistryAuth | None = None) -> str:
        auth = self.auth if auth is None else auth
        answer = requests.head(
            self.url(f"{REPOSITORY}/manifests/{reference}"),
            headers={"Accept": MANIFEST_TYPES},
            auth=(auth.username, auth.password),
            timeout=10,
        )
        assert answer.status_code == 200, answer.status_code
        return answer.headers["Docker-Content-Digest"]


def label_filter(mark: dict[str, str]) -> str:
    ((key, value),) = mark.items()
    return f"{key}={value}"


def ours(docker_client, mark: dict[str, str]) -> list:
    """This test's sandbox containers (other runs share the engine: never count theirs)."""
    return docker_client.containers.list(all=True, filters={"label": label_filter(mark)})


def registry_binary() -> str:
    binary = shutil.which("docker-registry")
    if binary is None:
        reason = "no docker-registry binary: apt-get install docker-registry"
        if _docker_required():
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


@dataclass
class RunningRegistry(Registry):
    config: Path = Path()
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [registry_binary(), "serve", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                requests.get(f"http://{self.address}/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
            self.process = None


@contextlib.contextmanager
def running_registry(folder: Path) -> Iterator[RunningRegistry]:
    """A registry configured as the compose stack's: htpasswd auth, deletes disabled."""
    registry_binary()
    auth = RegistryAuth("arena", uuid.uuid4().hex)
    # The password file as the compose stack's registry-auth makes it.
    subprocess.run(
        [sys.executable, "-m", "builder.registry", "htpasswd", str(folder / "htpasswd")],
        env={
            **os.environ,
            "ARENA_REGISTRY_USERNAME": auth.username,
            "ARENA_REGISTRY_PASSWORD": auth.password,
        },
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert (folder / "htpasswd").read_text().startswith(f"{auth.username}:$2")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "registry.yml"
    # The same auth and delete settings as docker-compose.yml's registry.
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {folder / 'storage'}\n"
        "  delete:\n    enabled: false\n"
        f"auth:\n  htpasswd:\n    realm: arena\n    path: {folder / 'htpasswd'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        "log:\n  level: warn\n"
    )
    registry = RunningRegistry(f"127.0.0.1:{port}", auth, config)
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    with running_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


@dataclass(frozen=True)
class Pushed:
    tag: str
    digest: str
    image_id: str
    log: str


@pytest.fixture(scope="module")
def pushed(registry, docker_client, tmp_path_factory):
    """The random player, built and pushed by the builder with the registry's credentials."""
    archive = tmp_path_factory.mktemp("zip") / "random.zip"
    archive.write_bytes(zip_folder(EXAMPLE_PLAYERS / "random").read())
    tag = f"{registry.address}/{REPOSITORY}:test-{uuid.uuid4().hex[:8]}"
    outcome = build_submission(
        archive,
        tag,
        BuildSettings(base_image=BASE_IMAGE),
        client=docker_client,
        push=True,
        registry_auth=registry.auth,
    )
    assert outcome.built, outcome.error or outcome.arena_error
    image_id = docker_client.images.get(tag).id
    yield Pushed(tag, outcome.image_digest, image_id, outcome.log)
    with contextlib.suppress(docker.errors.ImageNotFound):
        docker_client.images.remove(image_id, force=True)


def test_the_builder_pushes_with_the_credentials_and_records_the_registry_digest(registry, pushed):
    assert pushed.digest.startswith("sha256:") and len(pushed.digest) == 71
    # The digest recorded is the registry's own content address of the tag just pushed.
    assert registry.manifest_digest(pushed.tag.rpartition(":")[2]) == pushed.digest
    assert "Pushed" in pushed.log or "Layer already exists" in pushed.log


def test_without_the_credentials_the_registry_refuses_every_push_and_pull(
    registry, pushed, docker_client
):
    version = pushed.tag.rpartition(":")[2]
    wrong = ("arena", "not-the-password")
    for auth in (None, wrong):
        for path in (
            "",
            "_catalog",
            f"{REPOSITORY}/tags/list",
            f"{REPOSITORY}/manifests/{version}",
        ):
            answer = requests.get(registry.url(path), auth=auth, timeout=10)
            assert answer.status_code == 401, (path, auth, answer.status_code)
    answer = requests.get(
        registry.url(f"{REPOSITORY}/manifests/{version}"),
        headers={"Accept": MANIFEST_TYPES},
        auth=(registry.auth.username, registry.auth.password),
        timeout=10,
    )
    assert answer.status_code == 200

    # Docker itself: a push and a pull without credentials are refused, with a clear reason.
    intruder = f"{registry.address}/{REPOSITORY}:intruder-{uuid.uuid4().hex[:8]}"
    docker_client.images.get(BASE_IMAGE).tag(intruder)
    try:
        for auth in (None, RegistryAuth(*wrong)):
            with pytest.raises(ArenaBuildError, match="refused our credentials"):
                push_image(docker_client, intruder, auth=auth)
    finally:
        docker_client.images.remove(intruder)
    assert "intruder" not in str(
        requests.get(
            registry.url(f"{REPOSITORY}/tags/list"),
            auth=(registry.auth.username, registry.auth.password),
            timeout=10,
        ).json()
    )


def test_a_manifest_cannot_be_deleted_even_with_the_credentials(registry, pushed):
    answer = requests.delete(
        registry.url(f"{REPOSITORY}/manifests/{pushed.digest}"),
        auth=(registry.auth.username, registry.auth.password),
        timeout=10,
    )
    assert answer.status_code == 405, answer.status_code
    assert answer.json()["errors"][0]["code"] == "UNSUPPORTED"
    assert registry.manifest_digest(pushed.digest) == pushed.digest


@pytest.mark.django_db
def test_a_worker_runs_the_revision_s_digest_even_after_its_tag_moved(
    registry, pushed, docker_client, player_image, settings
):
    from duel_runner.sandboxes import open_revision

    settings.ARENA_REGISTRY = registry.address
    settings.ARENA_REGISTRY_USERNAME = registry.auth.username
    settings.ARENA_REGISTRY_PASSWORD = registry.auth.password
    # The revision's own tag, pushed by the builder (the same image: the same digest).
    tag = f"{registry.address}/{REPOSITORY}:moved-{uuid.uuid4().hex[:8]}"
    docker_client.images.get(pushed.image_id).tag(tag)
    digest = push_image(docker_client, tag, auth=registry.auth).digest
    assert digest == pushed.digest
    revision = factories.valid_revision(image_name=tag, image_digest=digest)

    # Someone with push rights moves the revision's tag to another competitor's image.
    other = docker_client.images.get(player_image(EXAMPLE_PLAYERS / "dummy"))
    assert other.id != pushed.image_id
    other.tag(tag)
    moved = push_image(docker_client, tag, auth=registry.auth).digest
    assert registry.manifest_digest(tag.rpartition(":")[2]) == moved != digest

    # A worker that has never seen the revision's image; the other image keeps its own name.
    for name in (tag, f"{registry.address}/{REPOSITORY}@{moved}"):
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(name)
    docker_client.images.remove(pushed.image_id, force=True)
    reference = pinned_reference(tag, digest, registry.address)
    assert reference == f"{registry.address}/{REPOSITORY}@{digest}"

    limits = Limits.for_environment("tic-tac-toe")
    # Without the credentials the worker cannot pull it: an arena error, retried later.
    with (
        pytest.raises(ArenaError),
        DockerPlayer(reference, "player 1", limits, client=docker_client, pull_missing=True) as p,
    ):
        p.open()

    mark = {"org.rl-arena.test": uuid.uuid4().hex}  # other runs share this engine
    with contextlib.ExitStack() as stack:
        player = open_revision(revision, "player 1", stack, **mark)
        player.open()
        assert player.image == reference
        # The image built for the revision, pulled by its digest, not what the tag names now.
        assert docker_client.images.get(reference).id == pushed.image_id
        (container,) = docker_client.containers.list(filters={"label": label_filter(mark)})
        assert container.image.id == pushed.image_id
        assert player.start([0.0] * 9 + [1.0], tuple(range(9))) in range(9)
    assert not ours(docker_client, mark), "the sandbox container was left behind"


@pytest.mark.parametrize("password", ["change-me-registry-password", "short"])
def test_the_registry_refuses_to_start_with_the_example_s_or_a_short_password(tmp_path, password):
    result = subprocess.run(
        [sys.executable, "-m", "builder.registry", "htpasswd", str(tmp_path / "htpasswd")],
        env={**os.environ, "ARENA_REGISTRY_USERNAME": "arena", "ARENA_REGISTRY_PASSWORD": password},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 64
    assert "put a long random one in .env" in result.stderr
    assert not (tmp_path / "htpasswd").exists()


def test_the_password_file_refuses_empty_credentials():
    with pytest.raises(ValueError, match="user name"):
        htpasswd_line("", "secret")
    with pytest.raises(ValueError):
        htpasswd_line("arena", "")
    with pytest.raises(ValueError):
        htpasswd_line("a:b", "secret")
    # Two hashes of one password differ (salted), and both are bcrypt.
    first, second = htpasswd_line("arena", "pw"), htpasswd_line("arena", "pw")
    assert first != second and first.startswith("arena:$2") and second.startswith("arena:$2")


@pytest.mark.django_db
def test_on_one_host_a_worker_runs_the_revision_s_image_id_even_after_its_tag_moved(
    docker_client, player_image, settings
):
    """Without a registry the digest is the local image id: a tag moved on this host (the
    revision's ``arena-player:<id>``) cannot swap another image in either."""
    from duel_runner.sandboxes import open_revision

    settings.ARENA_REGISTRY = ""
    own = docker_client.images.get(player_image(EXAMPLE_PLAYERS / "random"))
    other = docker_client.images.get(player_image(EXAMPLE_PLAYERS / "dummy"))
    tag = f"arena-test-local:{uuid.uuid4().hex[:8]}"
    own.tag(tag)
    revision = factories.valid_revision(image_name=tag, image_digest=own.id)
    other.tag(tag)  # the tag moves to the other image
    mark = {"org.rl-arena.test": uuid.uuid4().hex}  # other runs share this engine
    try:
        with contextlib.ExitStack() as stack:
            player = open_revision(revision, "player 1", stack, **mark)
            player.open()
            assert player.image == own.id
            (container,) = docker_client.containers.list(filters={"label": label_filter(mark)})
            assert container.image.id == own.id != other.id
        assert not ours(docker_client, mark), "the sandbox container was left behind"
    finally:
        docker_client.images.remove(tag)


def test_the_pinned_reference_of_a_revision():
    digest = "sha256:" + "ab" * 32
    registry = "10.10.0.2:5000"
    assert (
        pinned_reference(f"{registry}/arena-player:42", digest, registry)
        == f"{registry}/arena-player@{digest}"
    )
    assert pinned_reference("arena-player:42", digest, "") == digest  # the local image id
    # Pushed elsewhere than the registry the workers use: never trusted as a registry name.
    assert pinned_reference("evil.example:5000/arena-player:42", digest, registry) == digest
    # Built before digests were recorded: its tag, as before.
    assert pinned_reference(f"{registry}/arena-player:42", "", registry).endswith(":42")


@pytest.mark.services
@pytest.mark.slow
def test_the_build_task_pushes_with_the_credentials_and_the_validation_runs_the_digest(
    registry, docker_client, celery_processes, monkeypatch
):
    """The whole path on a real Celery worker configured for the registry (its environment)."""
    from core.models import Revision
    from tests.conftest import wait_for

    monkeypatch.setenv("ARENA_REGISTRY", registry.address)
    monkeypatch.setenv("ARENA_REGISTRY_USERNAME", registry.auth.username)
    monkeypatch.setenv("ARENA_REGISTRY_PASSWORD", registry.auth.password)
    monkeypatch.setenv("ARENA_PLAYER_IMAGE_REPOSITORY", f"{REPOSITORY}-flow-{uuid.uuid4().hex[:6]}")
    celery_processes.worker("worker1")
    revision = factories.submit(EXAMPLE_PLAYERS / "random")

    def validated():
        revision.refresh_from_db()
        if revision.image_state == Revision.IMAGE_FAILED:
            pytest.fail(f"build failed: {revision.image_error}\n{revision.image_log[-2000:]}")
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(validated, 240, message=f"the validation of {revision}")
    try:
        assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error
        assert revision.image_name.startswith(f"{registry.address}/")
        repository = revision.image_name.removeprefix(f"{registry.address}/").rpartition(":")[0]
        answer = requests.head(
            registry.url(f"{repository}/manifests/{revision.image_name.rpartition(':')[2]}"),
            headers={"Accept": MANIFEST_TYPES},
            auth=(registry.auth.username, registry.auth.password),
            timeout=10,
        )
        assert answer.headers["Docker-Content-Digest"] == revision.image_digest
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(revision.image_name, force=True)


@pytest.mark.django_db
def test_the_maintainer_s_garbage_collection_removes_only_the_superseded_images(
    docker_client, tmp_path, settings
):
    """DEPLOY.md's procedure, deletes being refused: ``prune_images --registry-tags``, the tags
    removed from the stopped registry's storage, ``garbage-collect --delete-untagged``."""
    from django.core.management import call_command

    with running_registry(tmp_path) as registry:
        settings.ARENA_REGISTRY = registry.address
        comp = factories.competitor()
        digests = {}
        for name in ("old", "latest"):
            tag = f"{registry.address}/{REPOSITORY}:{name}-{uuid.uuid4().hex[:6]}"
            dockerfile = f"FROM {BASE_IMAGE}\nRUN echo {name} > /{name}.txt\n"
            image, _ = docker_client.images.build(
                fileobj=io.BytesIO(dockerfile.encode()), tag=tag, pull=False, rm=True
            )
            try:
                digests[name] = push_image(docker_client, tag, auth=registry.auth).digest
            finally:
                docker_client.images.remove(image.id, force=True)
            factories.valid_revision(comp, image_name=tag, image_digest=digests[name])

        out = io.StringIO()
        call_command("prune_images", "--registry-tags", stdout=out)
        (superseded,) = out.getvalue().splitlines()
        assert superseded.startswith(f"{REPOSITORY}:old-")
        registry.stop()
        storage = tmp_path / "storage" / "docker" / "registry" / "v2"
        script = (
            "while IFS=: read -r repository tag; do\n"
            f'  rm -rf "{storage}/repositories/$repository/_manifests/tags/$tag"\n'
            "done\n"
            f"{registry_binary()} garbage-collect --delete-untagged {registry.config}\n"
        )
        subprocess.run(
            ["sh", "-c", script], input=out.getvalue(), text=True, check=True, capture_output=True
        )
        registry.start()
        for name, status in (("old", 404), ("latest", 200)):
            answer = requests.head(
                registry.url(f"{REPOSITORY}/manifests/{digests[name]}"),
                headers={"Accept": MANIFEST_TYPES},
                auth=(registry.auth.username, registry.auth.password),
                timeout=10,
            )
            assert answer.status_code == status, name
