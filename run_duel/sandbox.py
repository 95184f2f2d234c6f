"""Players that run elsewhere: the protocol side of the sandboxes.

:class:`SandboxedPlayer` speaks the harness protocol (see :mod:`run_duel.harness`) over a
:class:`~run_duel.channel.Channel` and turns everything that can go wrong into a
:class:`~run_duel.errors.PlayerFailure` with a message a participant can act on. Subclasses
only start and stop the process: :mod:`run_duel.process_sandbox` and
:mod:`run_duel.docker_sandbox`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import environments
from run_duel.channel import (
    DEFAULT_MAX_LINE,
    CappedLog,
    Channel,
    ChannelClosed,
    ChannelTimeout,
    LineTooLong,
)
from run_duel.errors import PlayerFailure, StartupFailure
from run_duel.seeds import SEED_VARIABLE
from run_duel.text import player_text

HARNESS = Path(__file__).with_name("harness.py")


@dataclass(frozen=True)
class Limits:
    """What one player may use; the game's ``info.yml`` gives the defaults."""

    startup_timeout: float = 60.0
    move_timeout: float = 10.0
    memory: str = "4g"  # a size in Docker's grammar (environments.parse_memory)
    cpus: float = 1.0
    pids: int = 64
    tmpfs: str = "64m"
    state_dtype: str = "float64"
    max_line: int = DEFAULT_MAX_LINE  # bytes of one protocol line from the player

    @classmethod
    def for_environment(cls, slug: str, **overrides: Any) -> Limits:
        info = environments.info(slug)
        limits = cls(
            startup_timeout=info.startup_timeout,
            move_timeout=info.move_timeout,
            memory=info.memory,
            cpus=info.cpus,
            state_dtype=info.state_dtype,
        )
        return replace(limits, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def memory_bytes(self) -> int:
        # The arena's one memory-size grammar (Docker's): the games' info.yml, the dev kit's
        # --memory and these limits all read sizes with it.
        return environments.parse_memory(self.memory)


def _seconds(value: float) -> str:
    return f"{value:g} s"


class SandboxedPlayer:
    """The protocol half of a sandboxed player; subclasses launch and kill the process."""

    restartable = True

    def __init__(self, label: str, limits: Limits) -> None:
        self.label = label
        self.limits = limits
        self.log = CappedLog()
        self.dead = False  # the process is gone or unusable: restart before the next call
        self._channel: Channel | None = None
        # run_duel.seeds: PYTHONHASHSEED and the seed before player.py is imported, given to
        # every process of this player (restarts too); the next start()'s seed.
        self.hash_seed: int | None = None
        self.init_seed: int | None = None
        self._match_seed: int | None = None

    # -- seeds ----------------------------------------------------------------------------------
    def set_seeds(self, hash_seed: int, init_seed: int) -> None:
        """Seed the processes started from now on (call before ``launch``)."""
        self.hash_seed, self.init_seed = hash_seed, init_seed

    def reseed(self, seed: int) -> None:
        """The seed the harness seeds the player with just before the next ``start``."""
        self._match_seed = seed

    def seed_environment(self) -> dict[str, str]:
        """The process's environment variables that carry the seeds (none when unseeded)."""
        variables = {}
        if self.hash_seed is not None:
            variables["PYTHONHASHSEED"] = str(self.hash_seed)
        if self.init_seed is not None:
            variables[SEED_VARIABLE] = str(self.init_seed)
        return variables

    # -- lifecycle, for subclasses ----------------------------------------------------------
    def launch(self) -> None:
        """Start the process without waiting for it (both players of a duel start together)."""
        raise NotImplementedError

    def _connect(self, deadline: float) -> Channel:
        """The channel to the launched process, waiting for it until ``deadline`` if needed."""
        raise NotImplementedError

    def kill(self) -> None:
        """Stop the process now and release what it holds (container, sockets); idempotent."""
        raise NotImplementedError

    def exit_summary(self) -> str:
        """How the process ended, as in "player 1 <exited with code 3>"; waits briefly for it."""
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------------------------
    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.limits.startup_timeout
        try:
            self._channel = self._connect(deadline)
            line = self._channel.read_line(max(0.0, deadline - time.monotonic()))
        except StartupFailure:
            self._die()
            raise
        except ChannelTimeout:
            self._fail_startup(f"did not get ready within {_seconds(self.limits.startup_timeout)}")
        except ChannelClosed:
            self._fail_startup(self.exit_summary())  # exit_summary waits for the exit
        except LineTooLong as exc:
            self._fail_startup(str(exc))
        reply = self._decode(line, startup=True)
        if reply.get("ready") is not True:
            self._fail_startup(player_text(reply.get("error", reply)))

    def open(self) -> SandboxedPlayer:
        self.launch()
        self.wait_ready()
        return self

    def restart(self) -> None:
        self.kill()
        self.dead = False
        self._channel = None
        self.open()

    def close(self) -> None:
        if self._channel is not None and not self.dead:
            # A polite goodbye lets the harness exit before the kill.
            with contextlib.suppress(ChannelClosed, ChannelTimeout):
                self._channel.send(b'{"method": "quit"}\n', timeout=0.5)
        self.kill()
        self._channel = None

    def __enter__(self) -> SandboxedPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the player interface -----------------------------------------------------------------
    def start(self, state: list, valid_actions: Sequence[int]) -> int:
        request: dict[str, Any] = {
            "method": "start",
            "state": state,
            "valid_actions": valid_actions,
        }
        if self._match_seed is not None:
            request["seed"], self._match_seed = self._match_seed, None
        return self._action(self._call("start", request))

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int:
        request = {
            "method": "step",
            "state": state,
            "valid_actions": valid_actions,
            "prev_reward": prev_reward,
        }
        return self._action(self._call("step", request))

    def end(self, state: list, prev_reward: float) -> None:
        self._call("end", {"method": "end", "state": state, "prev_reward": prev_reward})

    # -- internals ------------------------------------------------------------------------------
    def _call(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel
        if channel is None or self.dead:
            raise PlayerFailure("was not running", fatal=True)
        # One deadline for the whole call: sending to a player that stopped reading counts.
        deadline = time.monotonic() + self.limits.move_timeout
        try:
            channel.send(json.dumps(request).encode() + b"\n", self.limits.move_timeout)
            line = channel.read_line(max(0.0, deadline - time.monotonic()))
        except LineTooLong as exc:
            self._die()
            raise PlayerFailure(str(exc), fatal=True, log_tail=self.log.last_lines()) from None
        except ChannelTimeout:
            self._die()
            raise PlayerFailure(
                f"timed out after {_seconds(self.limits.move_timeout)}",
                fatal=True,
                log_tail=self.log.last_lines(),
            ) from None
        except ChannelClosed:
            try:
                summary = self.exit_summary()  # before the kill, which would hide how it ended
            finally:
                self._die()
            raise PlayerFailure(summary, fatal=True, log_tail=self.log.last_lines()) from None
        reply = self._decode(line)
        if "error" in reply:
            channel.drain_log(max_bytes=1 << 20)
            raise PlayerFailure(
                f"raised {player_text(reply['error'])}", log_tail=self.log.last_lines()
            )
        if "bad_action" in reply:
            bad = player_text(reply["bad_action"], 200)
            raise PlayerFailure(f"returned {bad}, not an integer,")
        return reply

    def _action(self, reply: dict[str, Any]) -> int:
        action = reply.get("action")
        if type(action) is not int:
            self._die()
            raise PlayerFailure(f"sent a malformed answer {player_text(reply, 200)}", fatal=True)
        return action

    def _decode(self, line: bytes, *, startup: bool = False) -> dict[str, Any]:
        try:
            reply = json.loads(line)
            if isinstance(reply, dict):
                return reply
        except Exception:  # any: deep nesting is a RecursionError, and still the player's doing
            pass
        # Only a player that went out of its way to find the protocol stream gets here.
        summary = f"wrote to the arena's protocol stream: {player_text(line[:200])}"
        if startup:
            self._fail_startup(summary)
        self._die()
        raise PlayerFailure(summary, fatal=True, log_tail=self.log.last_lines())

    def _die(self) -> None:
        """Collect what the log still holds, then stop the process."""
        if self._channel is not None:
            self._channel.drain_log(timeout=0.2)
        self.dead = True
        self.kill()

    def _fail_startup(self, summary: str) -> None:
        self._die()
        raise StartupFailure(f"failed to start: {summary}", log_tail=self.log.last_lines())
