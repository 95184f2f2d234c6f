"""The other side of a Gymnasium training environment: one protocol, three kinds of opponent.

- :class:`PlayerOpponent` drives a player handle of the match engine (``start``/``step``/
  ``end``, :mod:`run_duel.players`): :func:`example_opponent` loads an example player in this
  process (fast, for training), :func:`local_opponent` runs a player folder in its sandbox
  (the process sandbox by default, as the dev kit does on a participant's machine).
- :class:`HostedOpponent` plays a competitor hosted on an arena server through its
  remote-agent API (:mod:`arena.connect`).

The environment (:mod:`arena.training.single`) owns the game and the rewards; an opponent only
answers moves. A failure of the opponent (an exception of its player, a timeout, a crash) is
raised as :class:`~run_duel.errors.PlayerFailure`, which the environment counts as the
opponent's loss, as the arena does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import environments
from run_duel.errors import PlayerFailure
from run_duel.players import PlayerHandle, load_player

__all__ = [
    "EXAMPLE_PLAYERS",
    "HostedOpponent",
    "Opponent",
    "OpponentMismatch",
    "PlayerOpponent",
    "example_opponent",
    "local_opponent",
    "make_opponent",
]

EXAMPLE_PLAYERS = Path(__file__).resolve().parents[2] / "example_players"


@runtime_checkable
class Opponent(Protocol):
    """What the training environment asks of the side it does not play.

    States are the arena's plain lists, valid actions sorted sequences of ints; ``prev_reward``
    is what a duel would pass the opponent's player (its latest reward minus the other's).
    """

    def seed(self, seed: int) -> None:
        """Seed the opponent's randomness for the next match (as a duel seeds each match)."""

    def begin(
        self, game: str, opponent_first: bool, state: list, valid_actions: Sequence[int]
    ) -> int | None:
        """A new match of ``game``: the opponent's first action if it moves first, else None."""

    def reply(
        self, last_action: int, state: list, valid_actions: Sequence[int], prev_reward: float
    ) -> int:
        """The learner played ``last_action`` (now ``state``) and the game goes on: the answer."""

    def end(self, last_action: int | None, state: list, prev_reward: float) -> None:
        """The match ended on ``state``; ``last_action`` is the learner's move if it was the
        last one (None when the opponent's move ended it)."""

    def close(self) -> None:
        """Release what the opponent holds (its process, container or remote match)."""


class PlayerOpponent:
    """An opponent made of a player handle of the match engine, opened per game on demand.

    ``open_handle(game)`` returns the handle for ``game`` (called again if the game changes);
    ``closer`` is called on :meth:`close`. A sandboxed handle whose process died is restarted
    before the next match, as a duel restarts it.
    """

    def __init__(self, open_handle: Any, *, closer: Any = None) -> None:
        self._open_handle = open_handle
        self._closer = closer
        self._game: str | None = None
        self._handle: PlayerHandle | None = None
        self._started = False
        self._seed: int | None = None

    @property
    def handle(self) -> PlayerHandle:
        if self._handle is None:
            raise RuntimeError("the opponent has not begun a match yet")
        return self._handle

    def seed(self, seed: int) -> None:
        self._seed = seed

    def begin(
        self, game: str, opponent_first: bool, state: list, valid_actions: Sequence[int]
    ) -> int | None:
        if game != self._game:
            self.close()
            self._handle = self._open_handle(game)
            self._game = game
        handle = self.handle
        if getattr(handle, "dead", False):
            handle.restart()  # type: ignore[attr-defined]
        if self._seed is not None:
            reseed = getattr(handle, "reseed", None)
            if reseed is not None:
                reseed(self._seed)
            self._seed = None
        self._started = opponent_first
        return handle.start(state, valid_actions) if opponent_first else None

    def reply(
        self, last_action: int, state: list, valid_actions: Sequence[int], prev_reward: float
    ) -> int:
        if self._started:
            return self.handle.step(state, valid_actions, prev_reward)
        self._started = True
        return self.handle.start(state, valid_actions)

    def end(self, last_action: int | None, state: list, prev_reward: float) -> None:
        self.handle.end(state, prev_reward)

    def close(self) -> None:
        handle, self._handle, self._game = self._handle, None, None
        if handle is not None:
            close = getattr(handle, "close", None)
            if close is not None:
                close()
        if self._closer is not None and handle is not None:
            self._closer()


def example_opponent(name: str = "random") -> PlayerOpponent:
    """An example player (``example_players/<name>``) run in this process: no sandbox, no
    protocol, the fastest opponent to train against."""
    folder = EXAMPLE_PLAYERS / name
    if not (folder / "player.py").is_file():
        known = sorted(p.name for p in EXAMPLE_PLAYERS.iterdir() if (p / "player.py").is_file())
        raise ValueError(f"no example player {name!r}: choose one of {', '.join(known)}")

    def open_handle(game: str) -> PlayerHandle:
        dtype = environments.info(game).state_dtype
        return load_player(folder, state_dtype=dtype, label=f"opponent ({name})")

    return PlayerOpponent(open_handle)


def local_opponent(
    folder: str | os.PathLike[str], *, sandbox: str = "process", **limits: Any
) -> PlayerOpponent:
    """A player folder (or zip) run in its sandbox exactly as the dev kit runs it.

    ``sandbox``: ``"process"`` (a local subprocess, the default: your own code) or
    ``"docker"`` (its image is built once per content, as ``arena duel`` builds it).
    ``limits``: overrides of the game's limits, e.g. ``move_timeout=2.0``.
    """
    # The dev kit's own resolution of a folder, a zip or an image; imported here because it
    # brings the builder, which only this opponent needs.
    from arena.devkit import BadInput, player_spec
    from run_duel.sandbox import Limits
    from run_duel.sandboxes import open_player

    stack = contextlib.ExitStack()

    def open_handle(game: str) -> PlayerHandle:
        try:
            spec = player_spec(
                os.fspath(folder),
                "opponent",
                Limits.for_environment(game, **limits),
                sandbox,
                stack,
            )
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        player = open_player(spec, stack)
        player.open()
        return player

    return PlayerOpponent(open_handle, closer=stack.close)


def make_opponent(opponent: str | os.PathLike[str] | Opponent) -> Opponent:
    """An :class:`Opponent` from what a user wrote: an opponent as it is, the name of an
    example player (``"random"``, ``"minimax"``), or the path of a player folder (run in the
    process sandbox)."""
    if isinstance(opponent, Opponent):
        return opponent
    text = os.fspath(opponent)
    if os.sep not in text and "/" not in text and (EXAMPLE_PLAYERS / text / "player.py").is_file():
        return example_opponent(text)
    if Path(text).exists():
        return local_opponent(text)
    raise ValueError(
        f"opponent {text!r} is neither an example player's name nor a player folder: "
        "give e.g. 'random' or './my_player'"
    )


class OpponentMismatch(RuntimeError):
    """The hosted match and the local game disagree: the server's side is authoritative."""


class HostedOpponent:
    """A competitor hosted on an arena server, played through the remote-agent API.

    Every match opens a :class:`arena.connect.RemoteMatch`; the server runs the competitor's
    revision (``version``, or its latest) and tells its answers as states. This opponent keeps
    its own copy of the game to recover the action behind each new state and checks both sides
    agree: the server is authoritative, so any disagreement raises :class:`OpponentMismatch`
    (a different game version, a bug) rather than training on a game that is not the arena's.
    """

    def __init__(
        self,
        server: str,
        token: str,
        competitor: str,
        version: int | None = None,
        *,
        timeout: float = 120.0,
        remote_match: Any = None,
    ) -> None:
        self.server, self.token, self.competitor = server, token, competitor
        self.version, self.timeout = version, timeout
        # The client class; another one of the same shape only in this package's own tests.
        self._remote_match = remote_match
        self._match: Any = None
        self._mirror: environments.Game | None = None

    def seed(self, seed: int) -> None:
        """The server seeds its matches itself: nothing to do."""

    def begin(
        self, game: str, opponent_first: bool, state: list, valid_actions: Sequence[int]
    ) -> int | None:
        self._finish()
        remote_match = self._remote_match
        if remote_match is None:
            from arena.connect import RemoteMatch  # the remote-agent client, stdlib only

            remote_match = RemoteMatch
        self._mirror = environments.new_game(game)
        self._match = remote_match(
            self.server,
            self.token,
            game,
            self.competitor,
            self.version,
            agent_first=opponent_first,
            timeout=self.timeout,
        )
        self._check(state, "at the start of the match", before_agent=opponent_first)
        return self._agent_move() if opponent_first else None

    def reply(
        self, last_action: int, state: list, valid_actions: Sequence[int], prev_reward: float
    ) -> int:
        self._send(last_action)
        return self._agent_move()

    def end(self, last_action: int | None, state: list, prev_reward: float) -> None:
        if last_action is not None:
            self._send(last_action)
        if not self._match.done:
            raise OpponentMismatch(
                "the game is over here but the server's match goes on: "
                "is this checkout's version of the game the server's?"
            )
        self._check(self.mirror.state(), "at the end of the match", before_agent=False)
        self._finish()

    def close(self) -> None:
        self._finish()

    # -- internals ------------------------------------------------------------------------------
    @property
    def mirror(self) -> environments.Game:
        if self._mirror is None:
            raise RuntimeError("the hosted opponent has not begun a match yet")
        return self._mirror

    def _send(self, action: int) -> None:
        self._check(self.mirror.state(), "before our move", before_agent=False)
        self.mirror.play(action)
        self._match.play(action)

    def _agent_move(self) -> int:
        """The action that turns the mirror's state into the server's (the agent's move)."""
        target = [float(x) for x in self._match.state]
        if self._match.done and target == [float(x) for x in self.mirror.state()]:
            # The match ended with no move of the agent although the game goes on: the agent
            # failed (an error, a timeout), which loses it the match, as in a duel.
            raise PlayerFailure(f"ended the match without moving (result: {self._match.result})")
        for action in self.mirror.legal_actions():
            trial = self.mirror.copy()
            trial.play(action)
            if [float(x) for x in trial.state()] == target:
                self.mirror.play(action)
                if not trial.done:
                    self._check(self.mirror.state(), "after its move", before_agent=False)
                return action
        raise OpponentMismatch(
            f"no legal move of {self.mirror.slug} leads from {self.mirror.state()} to the "
            f"server's state {target}: is this checkout's version of the game the server's?"
        )

    def _check(self, state: list, when: str, *, before_agent: bool) -> None:
        """The server's state is ``state`` (or one agent move away, ``before_agent``), and the
        valid actions agree when it is our turn."""
        if before_agent:
            return  # checked by _agent_move, which must find the move
        remote = [float(x) for x in self._match.state]
        if remote != [float(x) for x in state]:
            raise OpponentMismatch(f"{when}, the server's state is {remote}, here {state}")
        if not self._match.done and list(self._match.valid_actions) != list(
            self.mirror.legal_actions()
        ):
            raise OpponentMismatch(
                f"{when}, the server's valid actions are {list(self._match.valid_actions)}, "
                f"here {list(self.mirror.legal_actions())}"
            )

    def _finish(self) -> None:
        match, self._match = self._match, None
        if match is None:
            return
        try:
            if not match.done:
                match.leave()  # an episode abandoned before its end
        finally:
            match.close()
