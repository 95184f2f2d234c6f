"""Which sandbox the server runs players in, and a player for a revision in it."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.models import Revision
from core.work import worker_name
from run_duel.errors import ArenaError
from run_duel.sandbox import Limits, SandboxedPlayer

PROCESS_PREFIX = "process:"
WORKER_LABEL = "org.rl-arena.worker"


@functools.cache
def sandbox_kind() -> str:
    """ "docker" or "process", from ARENA_SANDBOX ("auto": Docker when an engine answers)."""
    kind = settings.ARENA_SANDBOX
    if kind == "auto":
        from run_duel.docker_sandbox import docker_available

        kind = "docker" if docker_available() else "process"
    if kind == "process" and not settings.ARENA_ALLOW_PROCESS_SANDBOX:
        raise ImproperlyConfigured(
            "players would run as local processes, without isolation: start a Docker engine, "
            "or set ARENA_ALLOW_PROCESS_SANDBOX=true on a machine that runs only trusted code"
        )
    return kind


def process_folder(revision: Revision) -> Path:
    """Where the process sandbox keeps a revision's unpacked submission."""
    return Path(settings.VAR_DIR) / "players" / str(revision.pk)


def limits_for(revision: Revision) -> Limits:
    environment = revision.competitor.environment
    return Limits(
        startup_timeout=environment.startup_timeout,
        move_timeout=environment.move_timeout,
        memory=environment.memory,
        cpus=environment.cpus,
        state_dtype=environment.state_dtype,
        max_line=settings.ARENA_PROTOCOL_LINE_BYTES,
    )


def open_player(
    revision: Revision, label: str, stack: contextlib.ExitStack, **labels: str
) -> SandboxedPlayer:
    """A sandboxed player for the revision's built image, closed when ``stack`` closes."""
    limits = limits_for(revision)
    image = revision.image_name
    player: SandboxedPlayer
    if image.startswith(PROCESS_PREFIX):
        # Checked at each opening, not only when the sandbox is chosen: a revision row that
        # says "process:" (an old embedded build, an edited row) must never run a participant
        # without isolation on an arena that does not allow it.
        if not settings.ARENA_ALLOW_PROCESS_SANDBOX:
            raise ArenaError(
                f"revision {revision.pk} is built for the process sandbox, which this arena "
                "does not allow (ARENA_ALLOW_PROCESS_SANDBOX): build it again for Docker"
            )
        from run_duel.process_sandbox import ProcessPlayer

        player = ProcessPlayer(image.removeprefix(PROCESS_PREFIX), label, limits)
    else:
        from builder.player_images import registry_auth, run_reference
        from run_duel.docker_sandbox import DockerPlayer

        player = DockerPlayer(
            # By digest: a tag moved in the registry can never swap another image in.
            run_reference(revision),
            label,
            limits,
            client=_docker(),
            socket_root=settings.ARENA_SOCKET_DIR or None,
            pull_missing=bool(settings.ARENA_REGISTRY),
            pull_auth=registry_auth().config,
            labels={
                "org.rl-arena.revision": str(revision.pk),
                WORKER_LABEL: worker_name(),
                **labels,
            },
        )
    stack.callback(player.close)
    return player


@functools.cache
def _docker() -> Any:
    from run_duel.docker_sandbox import docker_client

    return docker_client()


def remove_orphaned_containers() -> int:
    """Remove the sandbox containers of dead worker processes of this host.

    A worker killed in the middle of a duel cannot remove its containers; they carry the
    worker's ``host:pid`` label, so the next worker on the host recognises them.
    """
    import socket

    from run_duel.docker_sandbox import SANDBOX_LABEL

    if sandbox_kind() != "docker":
        return 0
    host = socket.gethostname()
    removed = 0
    for container in _docker().containers.list(all=True, filters={"label": SANDBOX_LABEL}):
        owner = container.labels.get(WORKER_LABEL, "")
        owner_host, _, pid = owner.rpartition(":")
        if owner_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed += 1
    return removed


def remove_own_containers() -> int:
    """Remove the sandbox containers this process started and still holds.

    For a process that stops while threads of its own still run sandboxes (the demo's server,
    on Ctrl-C): daemon threads end without their clean-up, so the process does it for them.
    """
    from core.work import worker_name
    from run_duel.docker_sandbox import SANDBOX_LABEL

    if sandbox_kind() != "docker":
        return 0
    removed = 0
    mine = {"label": [SANDBOX_LABEL, f"{WORKER_LABEL}={worker_name()}"]}
    for container in _docker().containers.list(all=True, filters=mine):
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
