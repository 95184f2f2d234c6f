"""Builds a player image from a submission folder, sandboxed like a player (Docker SDK).

A submission's own code can run while it is built: the setup.py of a local package that its
requirements.txt lists, a ``.pth`` file of a wheel it ships. ``docker build`` would run that
code as root, with the network and without a pids limit, a disk bound or a deadline of ours
(the build API offers memory limits and ``network_mode``, nothing more). So the build is three
steps in containers of our own, and no Dockerfile:

1. **download**, with network but none of the submission's files: ``pip download
   --only-binary=:all:`` of the requirements that come from the arena's package index, and
   of what building the submission's own packages needs. Wheels only: no package code runs,
   and only the arena's index (and wheelhouse) is asked, never a URL of the participant's.
2. **install**, with no network (``network_mode="none"``): ``pip install --user --no-index``
   of those wheels and of the submission's own packages (their setup.py runs here), as the
   unprivileged player user, all capabilities dropped, ``no-new-privileges``, a read-only root
   whose only writable places are size-bounded tmpfs (the install target, a copy of the
   submission, /tmp), memory, CPU and pids limits, and the build's deadline, after which the
   container is killed.
3. **assemble**: the base image plus the submission, the harness and the installed packages
   (copied out of the install container as a tar, owned by root, set-id bits dropped) are
   committed as the player image. Nothing runs.

What has nothing to do is skipped, and what was done before is reused, so that a participant
who tries again waits for their own files only:

- a submission without dependencies has no download and no install step: its image is the
  base image plus one layer of its files (and the harness);
- the installed packages of requirements that come from the package index alone (none of the
  submission's own packages, whose setup.py could make anything of its files) are kept as a
  *dependencies image* (the base image plus one layer, the user site), tagged by a digest of
  everything that decides what gets installed: the base image's id, every requirement,
  option and constraint line, the indexes, the wheelhouse's content, and this recipe
  (:func:`dependencies_key`). The next build whose requirements digest the same starts from
  it and skips both steps; two different sets of requirements never share one. Its content
  was made by the same sandboxed install step and copied out the same way, so reusing it
  runs nothing of anyone's.

Each step's container runs ``sleep`` and the work is a ``docker exec`` in it: its exit code is
Docker's, not something the participant can print, and the tmpfs can be read (``tar``) before
the container goes. The inputs of a step (scripts, requirements, wheels) are put into a stage
image first, because Docker cannot copy into a read-only root.

A failed build is a :class:`BuildError` whose message is for the participant (a requirement
that does not install, a build past its deadline or over a limit), or an
:class:`ArenaBuildError` when the arena is at fault (Docker unreachable, the base image
missing): the server retries those and never charges them to the submission. The build log
is capped (its head and tail, as a player's log), whatever the build prints.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import json
import re
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.build_log import section_line
from builder.dependencies import mentions_torch, resolve_dependencies
from builder.docker import install_requirements as installer
from builder.registry import PushedImage, RegistryError, push
from builder.submission import SubmissionError
from run_duel.channel import CappedLog
from run_duel.images import RegistryAuth

DOCKER_DIR = Path(__file__).with_name("docker")
INSTALL_SCRIPT = DOCKER_DIR / "install_requirements.py"
# The line install_requirements.py writes for each requirement that does not install.
INSTALL_FAILURE = installer.FAILURE
RELAXED = installer.RELAXED  # and for each pin it relaxed
HARNESS = Path(__file__).resolve().parents[1] / "run_duel" / "harness.py"
DEFAULT_BASE_IMAGE = "arena-player-base:latest"

# Where things are in the step containers and in the player image.
PLAYER_USER = "1000:1000"
PLAYER_DIR = "/player"
ARENA_DIR = "/opt/arena"  # a tmpfs while a step runs; the harness and the packages after
SITE_DIR = f"{ARENA_DIR}/site"  # PYTHONUSERBASE: pip --user installs here
WHEELS_DIR = f"{ARENA_DIR}/wheels"
STAGE_DIR = "/arena-build"  # a step's inputs, in its stage image
BUILD_LABEL = "org.rl-arena.build"  # on the stage images and step containers, for cleanup
STAGE_REPOSITORY = "arena-build-stage"
WHEELHOUSE_REPOSITORY = "arena-build-wheelhouse"
DEPENDENCIES_REPOSITORY = "arena-build-dependencies"
DEPENDENCIES_LABEL = "org.rl-arena.dependencies"  # its key, on a dependencies image
RELAXED_LABEL = "org.rl-arena.relaxed"  # the relaxed-pin lines of the build that made it
DEPENDENCIES_KEEP_SECONDS = 7 * 24 * 3600.0  # then installed afresh (prune_dependency_images)
# A build log keeps its first and last bytes: pip's end says what went wrong.
LOG_HEAD = 64 * 1024
LOG_TAIL = 192 * 1024
_SMALL_TMP = 64 * 1024 * 1024  # /tmp of a step; the real work goes to TMPDIR on the big tmpfs


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
    # Where torch's CPU build comes from, as an extra index (e.g. PyTorch's CPU index).
    torch_index_url: str = ""
    timeout: float = 900.0  # the whole build, all steps
    # Each step's limits. Its tmpfs is memory too, so a step may hold memory + disk in all.
    memory: int = 2 * 1024**3  # bytes
    disk: int = 2 * 1024**3  # bytes, for each of: wheels and temporary files, installed packages
    cpus: float = 1.0
    pids: int = 256
    download_network: str = "bridge"  # the download step only; the install step has none
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    image_id: str
    log: str


def context_digest(player_dir: Path, settings: BuildSettings) -> str:
    """A digest of everything that goes into the image, to name and reuse dev-kit images."""
    digest = hashlib.sha256()
    recipe = [Path(__file__), INSTALL_SCRIPT, HARNESS]
    for path in [*recipe, *_files(player_dir)]:
        digest.update(
            str(
                path.relative_to(player_dir) if path.is_relative_to(player_dir) else path.name
            ).encode()
        )
        digest.update(path.read_bytes())
    digest.update(settings.base_image.encode())
    return digest.hexdigest()


def dependencies_key(client: Any, plan: installer.Plan, settings: BuildSettings) -> str | None:
    """The digest that names the dependencies image of ``plan``, or None when not to keep one.

    Everything that decides what the install step makes is in it: the base image's id (not
    its movable tag), the requirement, option and constraint lines in their order, the
    indexes and the wheelhouse, and the recipe (this module and the install script). A
    submission that lists its own packages gets None: their setup.py runs on its own files.
    """
    import docker.errors

    if plan.local or plan.empty:
        return None
    try:
        base_id = client.images.get(settings.base_image).id
    except docker.errors.ImageNotFound:
        return None  # the build says so, in its first step
    recipe = {
        "base": base_id,
        "options": plan.options,
        "constraints": plan.constraints,
        "index": plan.index,
        "build": plan.build,
        "pip_index_url": settings.pip_index_url,
        "pip_extra_index_url": settings.pip_extra_index_url,
        "torch_index_url": settings.torch_index_url,
        "wheelhouse": _wheelhouse_digest(settings) if settings.wheelhouse else "",
        "recipe": [
            hashlib.sha256(path.read_bytes()).hexdigest()
            for path in (Path(__file__), INSTALL_SCRIPT)
        ],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _wheelhouse_digest(settings: BuildSettings) -> str:
    """The wheelhouse's files by name, size and time: a copied wheel changes it."""
    wheelhouse = Path(settings.wheelhouse or "")
    digest = hashlib.sha256(settings.base_image.encode())
    for path in _files(wheelhouse):
        status = path.stat()
        digest.update(f"{path.relative_to(wheelhouse)}\0{status.st_size}\0".encode())
        digest.update(str(status.st_mtime_ns).encode())
    return digest.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    return (
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )


class BuildLog:
    """The build's output as it comes: capped, and passed on to ``on_output``."""

    def __init__(self, on_output: Callable[[str], None] | None = None) -> None:
        self._log = CappedLog(head=LOG_HEAD, tail=LOG_TAIL)
        self._on_output = on_output

    def write(self, text: str) -> None:
        if not text:
            return
        self._log.write(text.encode("utf-8", "replace"))
        if self._on_output:
            self._on_output(text)

    def say(self, text: str) -> None:
        self.write(f"arena: {text}\n")

    def section(self, title: str) -> None:
        """A heading of the arena's own steps (:mod:`builder.build_log` reads them back)."""
        self.write(section_line(title))

    def text(self) -> str:
        return self._log.text()


def capped_log(text: str) -> str:
    """``text`` as a build log is kept: its head and tail, without control characters."""
    log = CappedLog(head=LOG_HEAD, tail=LOG_TAIL)
    log.write(text.encode("utf-8", "replace"))
    return log.text()


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

    ``dependencies`` is the requirements.txt to install, as :mod:`builder.dependencies` makes
    it from the submission's requirements.txt or environment.yml (the default). ``on_output``
    gets each piece of build output as it comes (the server beats its heartbeat there); an
    exception it raises stops the build and propagates.
    """
    import docker.errors
    import requests.exceptions
    import urllib3.exceptions

    settings = settings or BuildSettings()
    player_dir = Path(player_dir)
    if not (player_dir / "player.py").is_file():
        raise BuildError(f"there is no player.py in {player_dir}")
    log = BuildLog(on_output)
    if dependencies is None:
        try:
            dependencies = resolve_dependencies(player_dir).requirements
        except SubmissionError as exc:
            raise BuildError(str(exc)) from exc
        # A caller that passes the dependencies headed its notes on them already
        # (builder.build.dependency_notes).
        log.section("dependencies")
    plan = installer.plan(dependencies or "", player_dir)
    for note in plan.notes:
        log.say(note)
    if plan.refused:
        raise BuildError(
            "requirements.txt asks for what the arena cannot install: " + "; ".join(plan.refused),
            log.text(),
        )
    deadline = time.monotonic() + settings.timeout
    build = _Build(client, settings, log, deadline)
    try:
        sweep_leftovers(client, settings.timeout)
        with tempfile.TemporaryDirectory(prefix="arena-image-") as work:
            site = None
            base = None
            if plan.empty:
                log.say("nothing to install: no download and no install step")
            else:
                key = dependencies_key(client, plan, settings)
                base = build.cached_dependencies(key) if key else None
                if base is None:
                    wheels, resolved = build.download(plan, Path(work), mentions_torch(plan.index))
                    site = build.install(player_dir, plan, resolved, wheels, Path(work))
                    if key:
                        base, site = build.keep_dependencies(site, key, Path(work)), None
            image = build.assemble(player_dir, site, tag, Path(work), base=base)
    except (
        docker.errors.DockerException,
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        OSError,
    ) as exc:
        # A step silent past its deadline ends here, as a read timeout of its output.
        if time.monotonic() > deadline:
            raise _timeout(settings, log.text()) from exc
        raise ArenaBuildError(_docker_failure(exc), log.text()) from exc
    finally:
        build.clean_up()
    return BuiltImage(tag=tag, image_id=image.id, log=log.text())


def sweep_leftovers(client: Any, timeout: float) -> None:
    """Remove what builds that died (a worker killed mid-build) left: their step containers,
    which end by themselves after the deadline, and their stage images, once that old."""
    import docker.errors

    cutoff = time.time() - 2 * timeout - 120
    for container in client.containers.list(
        all=True, filters={"label": BUILD_LABEL, "status": "exited"}
    ):
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)
    # A stage's container is "created" while in use: only an old one is a leftover.
    for container in client.containers.list(
        all=True, filters={"label": BUILD_LABEL, "status": "created"}
    ):
        with contextlib.suppress(ValueError, docker.errors.DockerException):
            if _timestamp(container.attrs.get("Created", "")) < cutoff:
                container.remove(force=True)
    for image in client.images.list(filters={"label": f"{BUILD_LABEL}=stage"}):
        created = image.attrs.get("Created", "")
        with contextlib.suppress(ValueError, docker.errors.DockerException):
            if _timestamp(created) < cutoff:
                client.images.remove(image.id, force=True)


def prune_dependency_images(client: Any, older_than: float = DEPENDENCIES_KEEP_SECONDS) -> int:
    """Untag the dependencies images made more than ``older_than`` seconds ago; how many.

    Only the tag goes: the player images built on one keep its layer, and Docker frees it with
    the last of them. The next build with those requirements installs them again (sandboxed)
    and keeps a fresh image: versions that ranges allow move on, a week at most behind.
    """
    import docker.errors

    cutoff = time.time() - older_than
    removed = 0
    for image in client.images.list(name=DEPENDENCIES_REPOSITORY):
        with contextlib.suppress(ValueError, docker.errors.DockerException):
            if _timestamp(image.attrs.get("Created", "")) < cutoff:
                for tag in image.tags:
                    client.images.remove(tag)
                removed += 1
    return removed


def _timestamp(created: str) -> float:
    """Docker's RFC 3339 time (nanoseconds and all) as seconds since the epoch."""
    from datetime import datetime

    date, _, fraction = created.rstrip("Z").partition(".")
    return datetime.fromisoformat(date + "+00:00").timestamp() + float(f"0.{fraction or 0}")


@dataclass
class _Step:
    """How a step's command ended."""

    exit_code: int | None
    timed_out: bool
    out_of_memory: bool
    processes: int = 0  # how many the container held at the deadline


class _Build:
    """One build's steps, and the stage images and containers to remove afterwards."""

    def __init__(self, client: Any, settings: BuildSettings, log: BuildLog, deadline: float):
        self.client = client
        self.settings = settings
        self.log = log
        self.deadline = deadline
        self._images: list[str] = []
        self._containers: list[Any] = []

    # -- the steps ----------------------------------------------------------------------------
    def download(
        self, plan: installer.Plan, work: Path, torch: bool
    ) -> tuple[Path, dict[str, str]]:
        """Step 1: the wheels (a tar) and, per index requirement, the line that downloaded."""
        settings = self.settings
        lines = [*plan.options]
        if plan.constraints:
            lines.append(f"-c {STAGE_DIR}/constraints.txt")
        lines += [*plan.index, *plan.build]
        files: dict[str, bytes] = {
            "requirements.txt": ("\n".join(lines) + "\n").encode(),
            "constraints.txt": ("\n".join(plan.constraints) + "\n").encode(),
        }
        environment: dict[str, str] = {}
        if settings.pip_index_url:
            environment["PIP_INDEX_URL"] = settings.pip_index_url
        extra = [settings.pip_extra_index_url] if settings.pip_extra_index_url else []
        if torch:
            if settings.torch_index_url:
                extra.append(settings.torch_index_url)
                environment["ARENA_TORCH_INDEX_URL"] = settings.torch_index_url
                self.log.say(f"torch comes as its CPU build, from {settings.torch_index_url}")
            else:
                self.log.say(
                    "torch comes as its CPU build (the arena has no GPU), from the arena's "
                    "wheelhouse; its CUDA build is refused"
                )
        if extra:
            environment["PIP_EXTRA_INDEX_URL"] = " ".join(extra)
        if settings.pip_ca_bundle:
            files["ca.pem"] = Path(settings.pip_ca_bundle).read_bytes()
            environment["PIP_CERT"] = f"{STAGE_DIR}/ca.pem"
        if settings.wheelhouse:
            environment["PIP_FIND_LINKS"] = f"{STAGE_DIR}/wheelhouse"
        self.log.say(
            "step 1 of 3: downloading ready-made wheels from the package index (with network, "
            "without the submission's files)"
        )
        stage = work / "download-stage.tar"
        with tarfile.open(stage, "w") as tar:
            _add_script(tar)
            for name, data in files.items():
                _add_bytes(tar, f"{STAGE_DIR.lstrip('/')}/{name}", data)
        base = self._wheelhouse_image(work) if settings.wheelhouse else settings.base_image
        image = self._stage(stage, base)
        command = [
            "sh",
            "-c",
            f'mkdir -p "$TMPDIR" && exec python3 {STAGE_DIR}/install_requirements.py download '
            f"{STAGE_DIR}/requirements.txt --dest {WHEELS_DIR}",
        ]
        with self._container(image, settings.download_network) as container:
            step = self._exec(container, command, environment)
            self._check(step, "download")
            wheels = work / "wheels.tar"
            self._export(container, WHEELS_DIR, wheels)
        resolved = _resolved(wheels)
        return wheels, resolved

    def install(
        self,
        player_dir: Path,
        plan: installer.Plan,
        resolved: dict[str, str],
        wheels: Path,
        work: Path,
    ) -> Path:
        """Step 2: the installed packages (a tar of the user site), built with no network."""
        settings = self.settings
        lines = [*plan.options]
        if plan.constraints:
            lines.append(f"-c {STAGE_DIR}/constraints.txt")
        lines += [resolved.get(line, line) for line in plan.index]
        lines += plan.local
        self.log.say(
            "step 2 of 3: installing, with no network, as the player user, within "
            f"{_size(settings.memory)} of memory, {_size(settings.disk)} of disk, "
            f"{settings.pids} processes and {settings.cpus:g} CPU"
        )
        stage = work / "install-stage.tar"
        with tarfile.open(stage, "w") as tar:
            _add_script(tar)
            _add_bytes(tar, f"{STAGE_DIR.lstrip('/')}/requirements.txt", "\n".join(lines).encode())
            _add_bytes(
                tar,
                f"{STAGE_DIR.lstrip('/')}/constraints.txt",
                ("\n".join(plan.constraints) + "\n").encode(),
            )
            tar.add(player_dir, arcname=f"{STAGE_DIR.lstrip('/')}/player", filter=_readable)
            _copy_members(wheels, tar, f"{STAGE_DIR.lstrip('/')}/wheels")
        image = self._stage(stage)
        environment = {
            "PYTHONUSERBASE": SITE_DIR,
            "PIP_USER": "1",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": f"{STAGE_DIR}/wheels",
            "PIP_NO_WARN_SCRIPT_LOCATION": "1",
        }
        # The submission is copied to a writable /player: pip builds local packages in
        # their folder, and an editable install points there.
        command = [
            "sh",
            "-c",
            f'mkdir -p "$TMPDIR" {SITE_DIR} && cp -R {STAGE_DIR}/player/. {PLAYER_DIR}/ && '
            f"exec python3 {STAGE_DIR}/install_requirements.py install "
            f"{STAGE_DIR}/requirements.txt --project {PLAYER_DIR}",
        ]
        with self._container(image, "none", player_tmpfs=True) as container:
            step = self._exec(container, command, environment)
            self._check(step, "install")
            site = work / "site.tar"
            self._export(container, SITE_DIR, site)
        return site

    def assemble(
        self, player_dir: Path, site: Path | None, tag: str, work: Path, base: str | None = None
    ) -> Any:
        """Step 3: base image (or ``base``, a dependencies image) + submission + harness +
        packages, committed as ``tag``."""
        self.log.section("image")
        what = "the installed packages, " if base or site else ""
        self.log.say(
            f"assembling the image: the base image, {what}your files and the arena's harness "
            "(nothing runs)"
        )
        content = work / "image.tar"
        with tarfile.open(content, "w") as tar:
            _add_dir(tar, "opt")
            _add_dir(tar, ARENA_DIR.lstrip("/"))
            tar.add(HARNESS, arcname=f"{ARENA_DIR.lstrip('/')}/harness.py", filter=_readable)
            tar.add(player_dir, arcname=PLAYER_DIR.lstrip("/"), filter=_readable)
            if site is not None:
                _add_dir(tar, SITE_DIR.lstrip("/"))
                _copy_members(site, tar, SITE_DIR.lstrip("/"))
        container = self._create(base or self.settings.base_image)
        with open(content, "rb") as data:
            container.put_archive("/", data)
        repository, version = _split_tag(tag)
        labels = {"org.rl-arena.role": "player", **self.settings.labels}
        image = container.commit(
            repository=repository,
            tag=version,
            conf={
                "User": PLAYER_USER,
                "WorkingDir": PLAYER_DIR,
                "Env": [f"PYTHONUSERBASE={SITE_DIR}"],
                "Labels": labels,
            },
        )
        image.reload()
        self.log.say(f"built {tag}: {_size(image.attrs.get('Size', 0))}")
        return image

    def cached_dependencies(self, key: str) -> str | None:
        """The dependencies image of ``key`` (its id), when an earlier build made it."""
        import docker.errors

        try:
            image = self.client.images.get(f"{DEPENDENCIES_REPOSITORY}:{key[:32]}")
        except docker.errors.ImageNotFound:
            return None
        labels = image.attrs.get("Config", {}).get("Labels") or {}
        if labels.get(DEPENDENCIES_LABEL) != key:  # a prefix collision: never share
            return None
        self.log.say(
            "the same requirements were installed by an earlier build (with the same package "
            "index and base image): its installed packages are reused, nothing is downloaded "
            "or installed"
        )
        for line in json.loads(labels.get(RELAXED_LABEL) or "[]"):
            self.log.write(f"{line}\n")
        return str(image.id)

    def keep_dependencies(self, site: Path, key: str, work: Path) -> str:
        """The base image plus the installed packages, kept as ``key``'s dependencies image."""
        content = work / "dependencies.tar"
        with tarfile.open(content, "w") as tar:
            _add_dir(tar, "opt")
            _add_dir(tar, ARENA_DIR.lstrip("/"))
            _add_dir(tar, SITE_DIR.lstrip("/"))
            _copy_members(site, tar, SITE_DIR.lstrip("/"))
        relaxed = [line for line in self.log.text().splitlines() if line.startswith(RELAXED)]
        labels = {
            "org.rl-arena.role": "dependencies",
            DEPENDENCIES_LABEL: key,
            RELAXED_LABEL: json.dumps(relaxed[:50]),
        }
        container = self._create(self.settings.base_image, labels=labels)
        with open(content, "rb") as data:
            container.put_archive("/", data)
        image = container.commit(
            repository=DEPENDENCIES_REPOSITORY, tag=key[:32], conf={"Labels": labels}
        )
        self._remove(container)
        content.unlink()
        self.log.say("installed packages kept for the next build with the same requirements")
        return str(image.id)

    # -- the machinery ----------------------------------------------------------------------
    def _labels(self, role: str) -> dict[str, str]:
        # The revision's labels too: what a dead build left says whose build it was.
        return {**self.settings.labels, BUILD_LABEL: role}

    def _create(self, image: str, **options: Any) -> Any:
        import docker.errors

        try:
            container = self.client.containers.create(image, **options)
        except docker.errors.ImageNotFound as exc:
            raise ArenaBuildError(
                f"the player base image {image} is missing ({exc.explanation or exc}): "
                "build it with builder/docker/build-debian-base.sh or base.Dockerfile",
                self.log.text(),
            ) from exc
        self._containers.append(container)
        return container

    def _stage(self, content: Path, base: str | None = None) -> str:
        """A stage image: the base image with ``content`` (a tar) added; nothing runs."""
        container = self._create(base or self.settings.base_image, labels=self._labels("stage"))
        with open(content, "rb") as data:
            container.put_archive("/", data)
        image = container.commit(
            repository=STAGE_REPOSITORY,
            tag=uuid.uuid4().hex[:16],
            conf={"Labels": self._labels("stage")},
        )
        self._images.append(image.id)
        self._remove(container)
        return image.id

    def _wheelhouse_image(self, work: Path) -> str:
        """The base image with the wheelhouse, made once per wheelhouse content and kept.

        A meetup's wheelhouse (torch...) can weigh gigabytes: copied once, not per build.
        """
        import docker.errors

        wheelhouse = Path(self.settings.wheelhouse or "")
        tag = f"{WHEELHOUSE_REPOSITORY}:{_wheelhouse_digest(self.settings)[:16]}"
        with contextlib.suppress(docker.errors.ImageNotFound):
            return self.client.images.get(tag).id
        content = work / "wheelhouse.tar"
        with tarfile.open(content, "w") as tar:
            tar.add(wheelhouse, arcname=f"{STAGE_DIR.lstrip('/')}/wheelhouse", filter=_readable)
        container = self._create(self.settings.base_image, labels={BUILD_LABEL: "wheelhouse"})
        with open(content, "rb") as data:
            container.put_archive("/", data)
        repository, version = _split_tag(tag)
        image = container.commit(
            repository=repository, tag=version, conf={"Labels": {BUILD_LABEL: "wheelhouse"}}
        )
        self._remove(container)
        content.unlink()
        return image.id

    @contextlib.contextmanager
    def _container(self, image: str, network: str, *, player_tmpfs: bool = False) -> Iterator[Any]:
        """A running step container, sandboxed like a player, removed afterwards."""
        settings = self.settings
        tmpfs = {
            ARENA_DIR: f"rw,nosuid,nodev,exec,size={settings.disk},uid=1000,gid=1000,mode=0755",
            "/tmp": f"rw,nosuid,nodev,size={_SMALL_TMP},mode=1777",
        }
        if player_tmpfs:
            tmpfs[PLAYER_DIR] = (
                f"rw,nosuid,nodev,exec,size={settings.disk},uid=1000,gid=1000,mode=0755"
            )
        container = self._create(
            image,
            # Ends by itself should the builder die without removing it (sweep_leftovers).
            command=["sleep", str(int(settings.timeout) + 60)],
            labels=self._labels("step"),
            user=PLAYER_USER,
            environment={"HOME": "/tmp", "TMPDIR": f"{ARENA_DIR}/tmp"},
            network_mode=network,
            read_only=True,
            tmpfs=tmpfs,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=settings.pids,
            # A tmpfs is memory: what the step writes counts, up to its disk bound.
            mem_limit=settings.memory + settings.disk,
            memswap_limit=settings.memory + settings.disk,
            nano_cpus=int(settings.cpus * 1e9),
        )
        try:
            container.start()
            yield container
        finally:
            self._remove(container)

    def _exec(self, container: Any, command: list[str], environment: dict[str, str]) -> _Step:
        """Run ``command`` in the step container, its output into the log, until the deadline."""
        import docker.errors

        api = self.client.api
        started = int(time.time()) - 1
        exec_id = api.exec_create(
            container.id,
            command,
            user=PLAYER_USER,
            environment={key: value for key, value in environment.items() if value},
        )["Id"]
        timed_out = threading.Event()
        processes = [0]

        def kill() -> None:
            timed_out.set()
            # A fork bomb ends here, its children holding pip's pipe open: say so after.
            with contextlib.suppress(docker.errors.DockerException, KeyError, TypeError):
                stats = container.stats(stream=False, one_shot=True)
                processes[0] = int(stats["pids_stats"].get("current") or 0)
            with contextlib.suppress(docker.errors.DockerException):
                container.kill()

        timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), kill)
        timer.daemon = True
        timer.start()
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        try:
            for chunk in api.exec_start(exec_id, stream=True):
                self.log.write(decoder.decode(chunk))
        finally:
            timer.cancel()
        self.log.write(decoder.decode(b"", final=True))
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
        return _Step(
            exit_code, timed_out.is_set(), self._out_of_memory(container, started), processes[0]
        )

    def _out_of_memory(self, container: Any, since: int) -> bool:
        import docker.errors

        try:
            container.reload()
        except docker.errors.NotFound:  # swept as a leftover once killed at the deadline
            return False
        if container.attrs.get("State", {}).get("OOMKilled"):
            return True
        # A killed child (pip's, a setup.py's) leaves the container running; Docker still
        # tells of the kill as an event.
        events = self.client.events(
            since=since,
            until=int(time.time()) + 1,
            filters={"container": container.id, "event": "oom"},
            decode=True,
        )
        try:
            return any(True for _ in events)
        finally:
            events.close()

    def _check(self, step: _Step, what: str) -> None:
        if step.timed_out and step.processes < self.settings.pids - 2:
            raise _timeout(self.settings, self.log.text())
        if step.exit_code == 0:
            return
        raise _step_failure(step, what, self.log.text(), self.settings)

    def _export(self, container: Any, folder: str, destination: Path) -> None:
        """``folder`` of the running step container, as a tar (it may be on a tmpfs)."""
        api = self.client.api
        exec_id = api.exec_create(
            container.id, ["tar", "-C", folder, "-cf", "-", "."], user=PLAYER_USER
        )["Id"]
        written = 0
        with open(destination, "wb") as out:
            for stdout, _stderr in api.exec_start(exec_id, stream=True, demux=True):
                if stdout:
                    written += len(stdout)
                    # The tmpfs bounds it; this bounds our disk should the tar lie.
                    if written > 2 * self.settings.disk + 2**20:
                        raise ArenaBuildError(f"{folder} came out larger than its tmpfs")
                    out.write(stdout)
        if api.exec_inspect(exec_id).get("ExitCode") != 0:
            raise ArenaBuildError(f"copying {folder} out of the build failed", self.log.text())

    def _remove(self, container: Any) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)
        if container in self._containers:
            self._containers.remove(container)

    def clean_up(self) -> None:
        import docker.errors

        for container in list(self._containers):
            self._remove(container)
        for image in self._images:
            with contextlib.suppress(docker.errors.DockerException):
                self.client.images.remove(image, force=True)
        self._images.clear()


def _resolved(wheels: Path) -> dict[str, str]:
    """The download step's {requirement: line that downloaded} from its wheels tar."""
    with tarfile.open(wheels) as tar:
        for member in tar:
            if member.isfile() and member.name.lstrip("./") == installer.RESOLVED:
                data = tar.extractfile(member)
                assert data is not None
                resolved = json.loads(data.read(1024 * 1024) or b"{}")
                if isinstance(resolved, dict):
                    return {str(k): str(v) for k, v in resolved.items()}
    return {}


def _copy_members(source: Path, tar: tarfile.TarFile, prefix: str) -> None:
    """The tar ``source`` (made by the participant's uid) into ``tar`` under ``prefix``.

    Only files, folders and symbolic links; everything owned by root and not writable by the
    player; no set-id bits.
    """
    with tarfile.open(source, "r|") as members:
        for member in members:
            name = member.name
            while name.startswith("./"):
                name = name[2:]
            parts = name.strip("/").split("/")
            if not name.strip("/.") or ".." in parts or name.startswith("/"):
                continue
            if not (member.isfile() or member.isdir() or member.issym()):
                continue
            member.name = f"{prefix}/{'/'.join(parts)}"
            member.uid = member.gid = 0
            member.uname = member.gname = "root"
            if member.isdir():
                member.mode = 0o755
            elif member.issym():
                member.mode = 0o777
            else:
                member.mode = 0o755 if member.mode & 0o111 else 0o644
            tar.addfile(member, members.extractfile(member) if member.isfile() else None)


def _add_script(tar: tarfile.TarFile) -> None:
    tar.add(
        INSTALL_SCRIPT, arcname=f"{STAGE_DIR.lstrip('/')}/install_requirements.py", filter=_readable
    )


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


def _split_tag(tag: str) -> tuple[str, str]:
    """('registry:5000/arena-player', '12') for 'registry:5000/arena-player:12'."""
    repository, colon, version = tag.rpartition(":")
    if not colon or "/" in version:
        return tag, "latest"
    return repository, version


def _size(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


# What a step's output shows when it ran into a limit (the participant's own output could say
# the same, and would then only mislead themselves).
_DISK_FULL = re.compile(r"No space left on device|\[Errno 28\]|Disk quota exceeded")
_NO_PROCESSES = re.compile(
    r"Resource temporarily unavailable|can't start new thread|BlockingIOError|fork: retry"
)


def _step_failure(step: _Step, what: str, log: str, settings: BuildSettings) -> BuildError:
    if step.out_of_memory:
        return BuildError(
            f"the build used more than its memory limit ({_size(settings.memory)}): a setup.py "
            "or a package's build needs too much memory; use fewer or smaller dependencies, "
            "with ready-made wheels",
            log,
        )
    if _DISK_FULL.search(log):
        return BuildError(
            f"the build wrote more than its disk limit ({_size(settings.disk)}): install fewer "
            "or smaller dependencies, and write nothing big while they install",
            log,
        )
    if step.timed_out or _NO_PROCESSES.search(log):
        return BuildError(
            f"the build ran into its limit of {settings.pids} processes (a fork failed): a "
            "setup.py must not start processes without end",
            log,
        )
    return _build_failure(what, log)


def _build_failure(what: str, log: str) -> BuildError:
    failures = [
        line[len(INSTALL_FAILURE) :].strip()
        for line in log.splitlines()
        if line.startswith(INSTALL_FAILURE)
    ]
    if what == "download":
        hint = (
            "The arena takes ready-made wheels for its Python (3.11, Linux) from its package "
            "index: no source package is built there"
        )
    else:
        hint = (
            "The build has no network: whatever your own packages need must be in "
            "requirements.txt too, so that it is downloaded first"
        )
    if failures:
        return BuildError(
            f"installing the dependencies failed: could not install {'; '.join(failures)}. "
            "Check these names and versions in requirements.txt (or environment.yml); the "
            f"build log shows pip's full output. {hint}",
            log,
        )
    return BuildError(
        "installing the dependencies failed: check the names and versions in "
        f"requirements.txt (or environment.yml); the build log shows pip's own message. {hint}",
        log,
    )


def push_image(
    client: Any,
    tag: str,
    on_output: Callable[[str], None] | None = None,
    auth: RegistryAuth | None = None,
) -> PushedImage:
    """Push ``tag`` (``registry/repository:tag``) so that workers on other hosts can pull it.

    Returns the push log and the image's digest (:mod:`builder.registry`; the credentials are
    a :class:`run_duel.images.RegistryAuth`); a failure is the arena's
    (:class:`ArenaBuildError`), to be retried.
    """
    try:
        return push(client, tag, auth, on_output)
    except RegistryError as exc:
        raise ArenaBuildError(str(exc)) from exc


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
