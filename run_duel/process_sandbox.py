"""The local-process sandbox: the harness as a subprocess of ours.

For a participant's own machine and the no-Docker demo. It limits memory (address space),
core dumps and file sizes, gives the player a private temporary HOME, and kills the player's
whole process group at the end. It cannot contain a fork bomb, hide the network or the file
system: the server refuses it unless explicitly allowed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from run_duel.channel import Channel
from run_duel.errors import StartupFailure
from run_duel.sandbox import HARNESS, Limits, SandboxedPlayer

# Numeric libraries start a thread per core unless told; a player gets one CPU's worth.
_SINGLE_THREADED = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}


class ProcessPlayer(SandboxedPlayer):
    def __init__(
        self,
        player_dir: str | os.PathLike[str],
        label: str,
        limits: Limits,
        *,
        python: str = sys.executable,
    ) -> None:
        super().__init__(label, limits)
        self.player_dir = Path(player_dir).resolve()
        self.python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._home: str | None = None

    def launch(self) -> None:
        if not (self.player_dir / "player.py").is_file():
            raise StartupFailure(f"failed to start: there is no player.py in {self.player_dir}")
        self._home = tempfile.mkdtemp(prefix="arena-player-")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self._home,
            "TMPDIR": self._home,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "LANG": "C.UTF-8",
            **_SINGLE_THREADED,
            **self.seed_environment(),
        }
        memory = self.limits.memory_bytes
        self._process = subprocess.Popen(
            [self.python, str(HARNESS), "--state-dtype", self.limits.state_dtype],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.player_dir,
            env=env,
            start_new_session=True,  # its own process group, killed as a whole
            preexec_fn=lambda: _limit_resources(memory),
        )

    def _connect(self, deadline: float) -> Channel:
        process = self._process
        assert process is not None and process.stdin and process.stdout and process.stderr
        return Channel(
            process.stdout.fileno(),
            process.stdin.fileno(),
            process.stderr.fileno(),
            self.log,
            max_line=self.limits.max_line,
        )

    def exit_summary(self) -> str:
        process = self._process
        if process is None:
            return "was not running"
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "closed its connection to the arena"
        if code < 0:
            name = signal.Signals(-code).name
            return f"was killed by {name}"
        return f"exited with code {code}"

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None


def _limit_resources(memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 30, 1 << 30))
