"""The server's side of opening a player: its settings and a revision, as the arguments of
:func:`run_duel.sandboxes.open_player`, which chooses the sandbox and opens the player."""

from __future__ import annotations

import contextlib

from django.conf import settings

from core.models import Revision
from core.sandbox import sandbox_kind
from run_duel import sandboxes
from run_duel.docker_sandbox import (
    REVISION_LABEL,
    WORKER_LABEL,
    remove_sandbox_containers,
    this_process,
)
from run_duel.errors import ArenaError
from run_duel.images import RegistryAuth, pinned_reference
from run_duel.sandbox import Limits, SandboxedPlayer

__all__ = [
    "WORKER_LABEL",
    "limits_for",
    "open_revision",
    "player_spec",
    "remove_orphaned_containers",
    "remove_own_containers",
]


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


def player_spec(revision: Revision, label: str, **labels: str) -> sandboxes.PlayerSpec:
    """What :func:`run_duel.sandboxes.open_player` needs to run the revision's built player."""
    limits = limits_for(revision)
    if revision.sandbox == Revision.SANDBOX_PROCESS:
        # Checked at each opening, not only when the sandbox is chosen: a revision row that
        # says "process" (an old embedded build, an edited row) must never run a participant
        # without isolation on an arena that does not allow it.
        if not settings.ARENA_ALLOW_PROCESS_SANDBOX:
            raise ArenaError(
                f"revision {revision.pk} is built for the process sandbox, which this arena "
                "does not allow (ARENA_ALLOW_PROCESS_SANDBOX): build it again for Docker"
            )
        return sandboxes.PlayerSpec(sandboxes.PROCESS, revision.image_name, label, limits)
    return sandboxes.PlayerSpec(
        # The field's value, whatever it is: the factory refuses a kind it does not know.
        revision.sandbox,
        # By digest: a tag moved in the registry can never swap another image in.
        pinned_reference(revision.image_name, revision.image_digest, settings.ARENA_REGISTRY),
        label,
        limits,
        labels={REVISION_LABEL: str(revision.pk), **labels},
        docker=sandboxes.DockerOptions(
            socket_root=settings.ARENA_SOCKET_DIR or None,
            pull_missing=bool(settings.ARENA_REGISTRY),
            pull_auth=RegistryAuth(
                settings.ARENA_REGISTRY_USERNAME, settings.ARENA_REGISTRY_PASSWORD
            ).config,
        ),
    )


def open_revision(
    revision: Revision, label: str, stack: contextlib.ExitStack, **labels: str
) -> SandboxedPlayer:
    """The revision's built player, opened by :func:`run_duel.sandboxes.open_player` in this
    arena's sandbox; closed when ``stack`` closes."""
    return sandboxes.open_player(player_spec(revision, label, **labels), stack)


def remove_orphaned_containers() -> int:
    """Remove the sandbox containers of dead worker processes of this host.

    A worker killed in the middle of a duel cannot remove its containers; they carry the
    worker's ``host:pid`` label, so the next worker on the host recognises them.
    """
    if sandbox_kind() != sandboxes.DOCKER:
        return 0
    return remove_sandbox_containers()


def remove_own_containers() -> int:
    """Remove the sandbox containers this process started and still holds.

    For a process that stops while threads of its own still run sandboxes (the demo's server,
    on Ctrl-C): daemon threads end without their clean-up, so the process does it for them.
    """
    if sandbox_kind() != sandboxes.DOCKER:
        return 0
    return remove_sandbox_containers(owner=this_process())
