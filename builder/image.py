"""Builds a player image from a submission folder with the Docker SDK.

A failed build is a :class:`BuildError` whose message is for the participant (a requirement
that does not install, a build past its deadline), or an :class:`ArenaBuildError` when the
arena is at fault (Docker unreachable, the base image missing): the server retries those and
never charges them to the submission.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.dependencies import resolve_dependencies
from builder.submission import SubmissionError

DOCKER_DIR = Path(__file__).with_name("docker")
PLAYER_DOCKERFILE = DOCKER_DIR / "player.Dockerfile"
INSTALL_SCRIPT = DOCKER_DIR / "install_requirements.py"
# The line install_requirements.py writes for each requirement that does not install.
INSTALL_FAILURE = "arena: could not install "
HARNESS = Path(__file__).resolve().parents[1] / "run_duel" / "harness.py"
DEFAULT_BASE_IMAGE = "arena-player-base:latest"


class BuildError(Exception):
    """The image could not be built; ``log`` holds the build output."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


class ArenaBuildError(BuildError):
    """The arena, not the submission, failed to build the image; worth another try later."""


@dataclass(frozen=True)
class BuildSettings:
    base_image: str = DEFAULT_BASE_IMAGE
    pip_index_url: str = ""
    pip_extra_index_url: str = ""
    pip_ca_bundle: Path | None = None  # e.g. /etc/ssl/certs/ca-certificates.crt behind a proxy
    wheelhouse: Path | None = None  # a folder of wheels, for offline meetups
    timeout: float = 900.0
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    image_id: str
    log: str


def context_digest(player_dir: Path, settings: BuildSettings) -> str:
    """A digest of everything that goes into the image, to name and reuse dev-kit images."""
    digest = hashlib.sha256()
    for path in [PLAYER_DOCKERFILE, INSTALL_SCRIPT, HARNESS, *_files(player_dir)]:
        digest.update(
            str(
                path.relative_to(player_dir) if path.is_relative_to(player_dir) else path.name
            ).encode()
        )
        digest.update(path.read_bytes())
    digest.update(settings.base_image.encode())
    return digest.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    return (
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )


def build_context(
    player_dir: Path, settings: BuildSettings, dependencies: str | None = None
) -> bytes:
    """The build context as a tar: Dockerfile, harness.py, player/, pip/.

    ``dependencies`` is the requirements.txt to install, as :mod:`builder.dependencies` makes
    it from the submission's requirements.txt or environment.yml (the default); raises
    :class:`SubmissionError` for a malformed environment.yml.
    """
    if dependencies is None:
        dependencies = resolve_dependencies(player_dir).requirements
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(PLAYER_DOCKERFILE, arcname="Dockerfile")
        tar.add(HARNESS, arcname="harness.py")
        tar.add(player_dir, arcname="player", filter=_readable)
        _add_dir(tar, "pip")
        tar.add(INSTALL_SCRIPT, arcname="pip/install_requirements.py", filter=_readable)
        if dependencies is not None:
            _add_bytes(tar, "pip/requirements.txt", dependencies.encode())
        if settings.pip_ca_bundle:
            tar.add(settings.pip_ca_bundle, arcname="pip/ca.pem")
        if settings.wheelhouse:
            tar.add(settings.wheelhouse, arcname="pip/wheelhouse")
    return buffer.getvalue()


def _readable(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if "__pycache__" in info.name.split("/"):
        return None
    # Owned by root, readable by the player user, never writable by it.
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def build_player_image(
    client: Any,
    player_dir: str | Path,
    tag: str,
    settings: BuildSettings | None = None,
    *,
    dependencies: str | None = None,
    on_output: Callable[[str], None] | None = None,
) -> BuiltImage:
    """Build ``tag`` from the submission in ``player_dir``; raise :class:`BuildError` on failure.

    ``on_output`` gets each piece of build output as it comes (the server beats its heartbeat
    there); an exception it raises stops the build and propagates.
    """
    import docker.errors
    import requests.exceptions
    import urllib3.exceptions

    settings = settings or BuildSettings()
    player_dir = Path(player_dir)
    if not (player_dir / "player.py").is_file():
        raise BuildError(f"there is no player.py in {player_dir}")
    try:
        context = build_context(player_dir, settings, dependencies)
    except SubmissionError as exc:
        raise BuildError(str(exc)) from exc
    log: list[str] = []
    deadline = time.monotonic() + settings.timeout
    image_id = ""
    stream = None
    try:
        stream = client.api.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            # The submission is copied in before its dependencies are installed, so the cache
            # could only serve a byte-identical resubmission, and would drop pip's output
            # (the relaxation notes) from its log.
            nocache=True,
            decode=True,
            buildargs={
                "BASE_IMAGE": settings.base_image,
                "PIP_INDEX_URL": settings.pip_index_url,
                "PIP_EXTRA_INDEX_URL": settings.pip_extra_index_url,
            },
            labels={"org.rl-arena.role": "player", **settings.labels},
            timeout=settings.timeout,
        )
        for chunk in stream:
            text = chunk.get("stream") or chunk.get("status") or ""
            if text:
                log.append(text)
                if on_output:
                    on_output(text)
            if "error" in chunk:
                log.append(chunk["error"])
                raise _build_failure(chunk["error"], "".join(log), settings)
            if "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            if time.monotonic() > deadline:
                raise _timeout(settings, "".join(log))
        if not image_id:
            image_id = client.images.get(tag).id
    except (
        docker.errors.DockerException,
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        OSError,
    ) as exc:
        # A build silent past its deadline ends here, as a read timeout of the stream.
        if time.monotonic() > deadline:
            raise _timeout(settings, "".join(log)) from exc
        raise ArenaBuildError(_docker_failure(exc), "".join(log)) from exc
    finally:
        # Dropping the stream closes the connection, which makes Docker stop the build.
        if stream is not None and hasattr(stream, "close"):
            stream.close()
    return BuiltImage(tag=tag, image_id=image_id, log="".join(log))


def push_image(client: Any, tag: str, on_output: Callable[[str], None] | None = None) -> str:
    """Push ``tag`` (``registry/repository:tag``) so that workers on other hosts can pull it.

    Returns the push log; a failure is the arena's (:class:`ArenaBuildError`), to be retried.
    """
    import docker.errors

    repository, _, version = tag.rpartition(":")
    log: list[str] = []
    try:
        for chunk in client.api.push(repository, tag=version, stream=True, decode=True):
            text = chunk.get("status", "")
            if chunk.get("error"):
                raise ArenaBuildError(f"pushing {tag} failed: {chunk['error']}", "".join(log))
            if text:
                log.append(f"{text}\n")
                if on_output:
                    on_output(text)
    except docker.errors.DockerException as exc:
        raise ArenaBuildError(f"pushing {tag} failed: {exc}", "".join(log)) from exc
    return "".join(log)


def connect_docker() -> Any:
    """A Docker client that answers, or an :class:`ArenaBuildError` saying why there is none."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        raise ArenaBuildError(f"the arena could not reach Docker ({exc})") from exc
    return client


def _timeout(settings: BuildSettings, log: str) -> BuildError:
    return BuildError(
        f"the build took longer than {settings.timeout:g} s: install fewer or smaller "
        "dependencies, or versions with ready-made wheels for this Python so that nothing is "
        "compiled",
        log,
    )


def _docker_failure(exc: Exception) -> str:
    import docker.errors

    if isinstance(exc, docker.errors.APIError):
        return f"Docker refused the build ({exc.explanation or exc})"
    return f"the arena could not reach Docker ({exc})"


def _build_failure(error: str, log: str, settings: BuildSettings) -> BuildError:
    failures = [
        line[len(INSTALL_FAILURE) :].strip()
        for line in log.splitlines()
        if line.startswith(INSTALL_FAILURE)
    ]
    if failures:
        return BuildError(
            f"installing the dependencies failed: could not install {'; '.join(failures)}. "
            "Check these names and versions in requirements.txt (or environment.yml); the "
            "build log shows pip's full output",
            log,
        )
    if "returned a non-zero code" in error:
        # The dependency step is the only command the build runs.
        return BuildError(
            "installing the dependencies failed: check the names and versions in "
            "requirements.txt (or environment.yml); the build log shows pip's own message",
            log,
        )
    lowered = error.lower()
    if "pull access denied" in lowered or "no such image" in lowered or "not found" in lowered:
        return ArenaBuildError(
            f"the player base image {settings.base_image} is missing ({error.strip()}): "
            "build it with builder/docker/build-debian-base.sh or base.Dockerfile",
            log,
        )
    return ArenaBuildError(f"the image build failed in the arena ({error.strip()})", log)


def image_exists(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True
