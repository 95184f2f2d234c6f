"""The one way to open a player: which sandbox it runs in, and the player made in it.

Whoever runs players (the dev kit's CLI, the server's duels, validations, human matches and
API moves) describes the player as a :class:`PlayerSpec` and calls :func:`open_player`; the
server's half (:mod:`duel_runner.sandboxes`) only turns its settings and a revision into a
spec. The protocol is in :mod:`run_duel.sandbox`, the two sandboxes in
:mod:`run_duel.docker_sandbox` and :mod:`run_duel.process_sandbox`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from run_duel.docker_sandbox import DockerPlayer, docker_available, docker_client
from run_duel.errors import ArenaError
from run_duel.process_sandbox import ProcessPlayer
from run_duel.sandbox import Limits, SandboxedPlayer

DOCKER = "docker"  # a container per player: the only isolation a stranger's code may get
PROCESS = "process"  # a local subprocess: trusted code only (a participant's own machine)
SANDBOXES = (DOCKER, PROCESS)
AUTO = "auto"  # Docker when an engine answers, else local processes


@dataclass(frozen=True)
class DockerOptions:
    """How a Docker player reaches its engine, its sockets and its image."""

    client: Any = None  # None: this process's shared client (run_duel.docker_sandbox)
    # A folder mounted at the same path on the host, when the arena itself runs in a container.
    socket_root: str | None = None
    pull_missing: bool = False  # with a registry: pull an image this host has not seen yet
    pull_auth: dict[str, str] | None = None  # the registry's credentials, for that pull only


@dataclass(frozen=True)
class PlayerSpec:
    """Everything needed to open one player."""

    sandbox: str  # DOCKER or PROCESS
    # DOCKER: the image to run (a tag, an id, a ``repo@sha256:`` digest); PROCESS: the folder
    # holding player.py.
    source: str | os.PathLike[str]
    label: str  # "player 1": how the messages and the records name it
    limits: Limits
    labels: Mapping[str, str] = field(default_factory=dict)  # on its container (Docker)
    docker: DockerOptions = DockerOptions()


def choose_sandbox(requested: str = AUTO) -> str:
    """:data:`DOCKER` or :data:`PROCESS`; :data:`AUTO` is Docker when an engine answers.

    Whether the process sandbox is acceptable is the caller's to say: the dev kit warns, the
    server refuses it unless its settings allow it.
    """
    if requested == AUTO:
        return DOCKER if docker_available() else PROCESS
    if requested not in SANDBOXES:
        raise ArenaError(f"unknown sandbox {requested!r}: choose {', '.join(SANDBOXES)} or auto")
    return requested


def open_player(spec: PlayerSpec, stack: contextlib.ExitStack | None = None) -> SandboxedPlayer:
    """The player ``spec`` describes, not started yet (both players of a duel start together).

    It is closed (its process or container gone) when ``stack`` closes; without a stack, use
    the player as a context manager.
    """
    player: SandboxedPlayer
    if spec.sandbox == PROCESS:
        player = ProcessPlayer(spec.source, spec.label, spec.limits)
    elif spec.sandbox == DOCKER:
        options = spec.docker
        player = DockerPlayer(
            os.fspath(spec.source),
            spec.label,
            spec.limits,
            client=options.client or docker_client(shared=True),
            socket_root=options.socket_root,
            labels=dict(spec.labels),
            pull_missing=options.pull_missing,
            pull_auth=options.pull_auth,
        )
    else:
        raise ArenaError(f"{spec.label}: unknown sandbox {spec.sandbox!r}")
    if stack is not None:
        stack.callback(player.close)
    return player
