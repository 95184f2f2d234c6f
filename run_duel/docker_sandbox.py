"""The Docker sandbox: one container per player per duel.

The container has no network, a read-only root with a small tmpfs on /tmp, runs as the
unprivileged ``player`` user (uid 1000) with every capability dropped and
``no-new-privileges``, a pids limit, the game's memory and CPU limits, no core dumps and a
capped Docker log (what it prints goes to the arena's own capped log instead). It is removed at the
end whatever happened (:meth:`DockerPlayer.kill`, called by ``close`` and by the context
manager, so also on Ctrl-C).

The harness talks to us over two unix sockets in a per-container folder mounted at
``/run/arena``: ``proto.sock`` (the protocol) and ``log.sock`` (everything the player prints).
A unix socket needs no network, and avoids the Docker daemon's stream relay, which costs
several times more per move. When the arena itself runs in a container, ``socket_root`` must be
a folder mounted at the same path on the host (``ARENA_SOCKET_DIR``).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import tempfile
import threading
import time
from typing import Any

from run_duel.channel import Channel, ChannelTimeout
from run_duel.errors import ArenaError, StartupFailure
from run_duel.sandbox import Limits, SandboxedPlayer

SANDBOX_LABEL = "org.rl-arena.sandbox"  # on every player container, whoever started it
# The process that started the container (``host:pid``): a container whose process is gone
# has nobody left to remove it.
WORKER_LABEL = "org.rl-arena.worker"
# The server's revision whose player runs in the container: the pruning of player images
# keeps the images that containers of this host still hold.
REVISION_LABEL = "org.rl-arena.revision"
HARNESS_IN_IMAGE = "/opt/arena/harness.py"
PLAYER_DIR_IN_IMAGE = "/player"
SOCKET_DIR_IN_CONTAINER = "/run/arena"

_shared_client: Any = None  # docker_client(shared=True)
_shared_lock = threading.Lock()


def docker_client(*, shared: bool = False) -> Any:
    """A Docker client that answers, or an :class:`ArenaError` saying why there is none.

    The one way the arena reaches Docker: the dev kit, the workers' sandboxes, the builder and
    the clean-up all come here. ``shared``: this process's one client, made at the first call
    and kept (a worker opens players all day; a client each would cost a connection pool each).
    """
    global _shared_client
    if shared:
        with _shared_lock:
            if _shared_client is None:
                _shared_client = docker_client()
            return _shared_client
    import docker  # deferred: the process sandbox and the unit tests never need the SDK

    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        raise ArenaError(f"the arena could not reach Docker ({exc})") from exc
    return client


def docker_available() -> bool:
    try:
        docker_client().close()
    except ArenaError:
        return False
    return True


def this_process() -> str:
    """``host:pid``, the owner a container's :data:`WORKER_LABEL` names: what tells the
    containers of a live process from those of a dead one (:func:`remove_sandbox_containers`)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DockerPlayer(SandboxedPlayer):
    def __init__(
        self,
        image: str,
        label: str,
        limits: Limits,
        *,
        client: Any = None,
        socket_root: str | None = None,
        labels: dict[str, str] | None = None,
        pull_missing: bool = False,
        pull_auth: dict[str, str] | None = None,
    ) -> None:
        super().__init__(label, limits)
        self.image = image
        self._client = client
        self._socket_root = socket_root or os.environ.get("ARENA_SOCKET_DIR") or None
        self._labels = {SANDBOX_LABEL: "player", WORKER_LABEL: this_process(), **(labels or {})}
        # With a registry, a worker pulls a player image it has not seen yet.
        self._pull_missing = pull_missing
        self._pull_auth = pull_auth  # the registry's credentials, for this pull only
        self._container: Any = None
        self._folder: str | None = None
        self._listeners: dict[str, socket.socket] = {}
        self._connections: list[socket.socket] = []

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = docker_client()
        return self._client

    def launch(self) -> None:
        import docker.errors
        from docker.types import LogConfig, Ulimit

        self._folder = tempfile.mkdtemp(prefix="arena-sock-", dir=self._socket_root)
        os.chmod(self._folder, 0o711)  # the player's uid may reach the sockets, not list them
        for name in ("proto", "log"):
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            path = os.path.join(self._folder, f"{name}.sock")
            listener.bind(path)
            os.chmod(path, 0o777)
            listener.listen(1)
            self._listeners[name] = listener
        limits = self.limits
        try:
            if self._pull_missing and not image_exists(self.client, self.image):
                self.client.images.pull(self.image, auth_config=self._pull_auth)
            self._container = self.client.containers.create(
                self.image,
                command=[
                    "python3",
                    HARNESS_IN_IMAGE,
                    "--socket-dir",
                    SOCKET_DIR_IN_CONTAINER,
                    "--state-dtype",
                    limits.state_dtype,
                ],
                working_dir=PLAYER_DIR_IN_IMAGE,
                user="1000:1000",
                environment={
                    "HOME": "/tmp",
                    "TMPDIR": "/tmp",
                    "PYTHONUNBUFFERED": "1",
                    "PYTHONDONTWRITEBYTECODE": "1",
                    "OMP_NUM_THREADS": str(max(1, int(limits.cpus))),
                    "OPENBLAS_NUM_THREADS": str(max(1, int(limits.cpus))),
                    "MKL_NUM_THREADS": str(max(1, int(limits.cpus))),
                    **self.seed_environment(),
                },
                network_mode="none",
                read_only=True,
                tmpfs={"/tmp": f"rw,nosuid,nodev,size={limits.tmpfs},mode=1777"},
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                pids_limit=limits.pids,
                mem_limit=limits.memory_bytes,
                memswap_limit=limits.memory_bytes,  # no swap: the limit is the limit
                nano_cpus=int(limits.cpus * 1e9),
                # Read-only: the harness connects to the two sockets, nothing is created there.
                volumes={self._folder: {"bind": SOCKET_DIR_IN_CONTAINER, "mode": "ro"}},
                # What the container prints before the harness holds the log (Python failing to
                # start) is all Docker keeps of it, capped; no core dumps fill the disk.
                log_config=LogConfig(
                    type=LogConfig.types.JSON, config={"max-size": "256k", "max-file": "1"}
                ),
                ulimits=[Ulimit(name="core", soft=0, hard=0)],
                labels=self._labels,
                detach=True,
            )
            self._container.start()
        except docker.errors.ImageNotFound as exc:
            self.kill()
            raise ArenaError(f"no player image {self.image!r}: build it first") from exc
        except docker.errors.DockerException as exc:
            self.kill()
            raise ArenaError(f"Docker could not start {self.label}: {exc}") from exc

    def _connect(self, deadline: float) -> Channel:
        # The harness connects to the log first, then to the protocol. While we wait we also
        # watch the container: a player that dies at once must not cost the whole deadline.
        pending = dict(self._listeners)
        accepted: dict[str, socket.socket] = {}
        next_check = time.monotonic() + 0.5
        while pending:
            now = time.monotonic()
            if now >= deadline:
                raise ChannelTimeout
            ready, _, _ = select.select(
                list(pending.values()), (), (), min(deadline, next_check) - now
            )
            for name, listener in list(pending.items()):
                if listener in ready:
                    accepted[name], _ = listener.accept()
                    self._connections.append(accepted[name])
                    del pending[name]
            if pending and time.monotonic() >= next_check:
                next_check = time.monotonic() + 0.5
                if self._exited():
                    raise StartupFailure(
                        f"failed to start: {self.exit_summary()}", log_tail=self._container_logs()
                    )
        proto, log = accepted["proto"], accepted["log"]
        return Channel(
            proto.fileno(), proto.fileno(), log.fileno(), self.log, max_line=self.limits.max_line
        )

    def _exited(self) -> bool:
        try:
            self._container.reload()
        except Exception:
            return True
        return self._container.status in ("exited", "dead")

    def _container_logs(self) -> str:
        try:
            return self._container.logs(tail=40).decode("utf-8", "replace")
        except Exception:
            return ""

    def exit_summary(self) -> str:
        """How the container ended; an :class:`ArenaError` when Docker cannot say (then the
        closed stream is the arena's failure, never the player's)."""
        container = self._container
        if container is None:
            return "was not running"
        import docker.errors
        import requests

        try:
            status = container.wait(timeout=2)
            container.reload()
        except requests.exceptions.ReadTimeout:
            return "closed its connection to the arena"  # and keeps running: its doing
        except docker.errors.NotFound as exc:
            raise ArenaError(f"the container of {self.label} disappeared while it played") from exc
        except Exception as exc:
            # Docker itself is gone: the stream closed because of us, not of the player.
            raise ArenaError(f"Docker stopped answering about {self.label} ({exc})") from exc
        state = container.attrs.get("State", {})
        if state.get("Status") in ("removing", "dead"):
            # Someone removed it (a sweep, a maintainer, a restarting engine), not the player.
            raise ArenaError(f"the container of {self.label} disappeared while it played")
        code = status.get("StatusCode", state.get("ExitCode"))
        if state.get("OOMKilled"):
            return f"was killed for using more than its memory limit ({self.limits.memory})"
        if code == 137:
            return "was killed (SIGKILL)"
        return f"exited with code {code}"

    def kill(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            # Already gone is fine; a real leftover is swept by its label.
            with contextlib.suppress(Exception):
                container.remove(force=True)
        for sock in [*self._connections, *self._listeners.values()]:
            sock.close()
        self._connections.clear()
        self._listeners.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def image_exists(client: Any, image: str) -> bool:
    """Whether the engine has ``image`` (a tag, an id or a ``repo@sha256:`` digest)."""
    import docker.errors

    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True


def remove_sandbox_containers(client: Any = None, *, owner: str | None = None) -> int:
    """Remove the sandbox containers nobody else will remove; return how many went.

    With ``owner`` (a process's :func:`this_process`): that process's containers, for a process
    that stops while threads of its own still run sandboxes (daemon threads end without their
    clean-up). Without: the orphans of this host, the containers of processes that are gone (a
    worker killed in the middle of a duel cannot remove its own). A container of another host,
    or of a live process, is never touched: it may be playing.
    """
    client = client or docker_client(shared=True)
    labels = [SANDBOX_LABEL] if owner is None else [SANDBOX_LABEL, f"{WORKER_LABEL}={owner}"]
    host = socket.gethostname()
    removed = 0
    for container in client.containers.list(all=True, filters={"label": labels}):
        if owner is None:
            owner_host, _, pid = container.labels.get(WORKER_LABEL, "").rpartition(":")
            if owner_host != host or not pid.isdigit() or _alive(int(pid)):
                continue
        with contextlib.suppress(Exception):  # already gone, or being removed by its owner
            container.remove(force=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True
