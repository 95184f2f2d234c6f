"""A game of the arena as a Gymnasium environment: you play one side, an opponent the other.

    from arena.training.single import ArenaEnv

    env = ArenaEnv("tic-tac-toe", opponent="random")
    obs, info = env.reset(seed=0)
    while True:
        action = my_agent(obs, info["action_mask"])
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated:
            break

- **Observation**: the arena's own state encoding (``environments/<game>/environment.py``) as a
  float32 ``Box`` of the state's size, absolute as a submitted player sees it (read your own
  mark in it). A plain ``Box``, not PettingZoo's ``Dict``, because that is what
  ``gymnasium.utils.env_checker.check_env`` and the simple learners (tabular, DQN of the
  common libraries) take; the action mask is in ``info["action_mask"]`` (int8, 1 = valid) on
  every ``reset`` and ``step``, the way masked learners read it.
- **Action**: ``Discrete(num_actions)``, the game's action numbers.
- **Reward**: the game's, from your point of view: ``+1``/``-1``/``0`` at the end (quarto:
  ``+100``/``-100``), ``0`` before. The opponent's reply is part of your step: the step that
  lets it win returns its loss to you.
- **Invalid action**: as in the arena, an invalid action is that player's error and loses the
  match: yours ends the episode with the game's loss (``-1``, quarto ``-100``) and
  ``info["invalid_action"]``; the opponent's (or its failure: an exception, a timeout, a crash)
  ends it with your win and ``info["opponent_error"]``.
- **Who moves first**: alternates every episode (you first, then the opponent first...), as a
  duel alternates, unless ``agent_first`` fixes it; ``reset(options={"agent_first": ...})``
  picks it for one episode. ``reset(seed=...)`` restarts the alternation and seeds the
  opponent, so an episode is reproducible from its seed. ``info["agent_first"]`` says it.
- Episodes always terminate (the games are bounded): never truncated.
- **Seeds**: every episode seeds the opponent as a duel seeds a match, from the environment's
  generator. An example player in this process is seeded the way the arena seeds players:
  Python's global ``random`` and numpy's global generator, in this process. Draw your agent's
  exploration from a generator of its own (``random.Random(seed)``,
  ``np.random.default_rng(seed)``), as ``example_players/q_learning/train.py`` does.
"""

from __future__ import annotations

import os
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium import spaces

import environments
from arena.training.encoding import action_mask, observation, shape_of
from arena.training.opponents import Opponent, make_opponent
from run_duel.errors import PlayerFailure

__all__ = ["ArenaEnv", "OpponentError"]


class OpponentError(RuntimeError):
    """The opponent failed on the first move of an episode, inside ``reset``, where no step
    can report it."""


class ArenaEnv(gym.Env[np.ndarray, np.int64]):
    """One game of the arena against an opponent (see the module's docstring)."""

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        game: str = "tic-tac-toe",
        opponent: str | os.PathLike[str] | Opponent = "random",
        *,
        agent_first: bool | None = None,
        render_mode: str | None = None,
    ) -> None:
        """``opponent``: an :class:`~arena.training.opponents.Opponent`, the name of an example
        player (``"random"``, ``"minimax"``, run in this process) or a player folder (run in
        the process sandbox). ``agent_first``: None alternates, True/False fixes it."""
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r}: choose None or 'ansi'")
        self.game_slug = game
        self.shape = shape_of(game)
        self.game = environments.new_game(game)
        self.opponent = make_opponent(opponent)
        self.agent_first = agent_first
        self.render_mode = render_mode
        self.observation_space = spaces.Box(
            self.shape.low, self.shape.high, (self.shape.state_size,), np.float32
        )
        self.action_space = spaces.Discrete(self.shape.num_actions)
        self._episode = 0
        self._agent_is_first = True
        self._over = False  # ended by an error, on a board where the game itself goes on
        # The latest reward of each side's moves, as a duel keeps them to compute prev_reward.
        self._latest_agent = self._latest_opponent = 0.0

    # -- Gymnasium ------------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._episode = 0
        if options and "agent_first" in options:
            agent_first = bool(options["agent_first"])
        elif self.agent_first is not None:
            agent_first = self.agent_first
        else:
            agent_first = self._episode % 2 == 0
        self._episode += 1
        self._agent_is_first = agent_first
        self._latest_agent = self._latest_opponent = 0.0
        self._over = False
        game = self.game
        game.reset()
        # Drawn every episode, so that one reset(seed=...) makes the whole run reproducible.
        self.opponent.seed(int(self.np_random.integers(2**31)))
        try:
            first = self.opponent.begin(
                self.game_slug, not agent_first, game.state(), game.legal_actions()
            )
            if not agent_first:
                if first is None:
                    raise PlayerFailure("gave no first move")
                self._latest_opponent = game.play(first)
        except (PlayerFailure, environments.InvalidActionError) as exc:
            raise OpponentError(
                f"the opponent failed on its first move: {exc}; fix it or train against "
                "another opponent"
            ) from exc
        return observation(game.state()), self._info()

    def step(
        self, action: np.int64 | int
    ) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        game = self.game
        if game.done or self._over:
            raise RuntimeError("the episode is over: call reset() before step()")
        try:
            move = environments.as_action(action)
            reward = game.play(move)
        except (TypeError, environments.InvalidActionError) as exc:
            # The arena's rule: an invalid action loses the match for its player.
            self._over = True  # the match is over, as in a duel; reset() starts the next
            info = self._info(invalid_action=str(exc))
            return observation(game.state()), -self.shape.win, True, False, info
        self._latest_agent = reward
        if game.done:
            error = self._end(move, mover_is_agent=True)
            return observation(game.state()), reward, True, False, self._info(**error)
        try:
            answer = self.opponent.reply(
                move,
                game.state(),
                game.legal_actions(),
                self._latest_opponent - self._latest_agent,
            )
            answered = game.play(answer)
        except (PlayerFailure, environments.InvalidActionError) as exc:
            self._over = True
            info = self._info(opponent_error=str(exc))
            return observation(game.state()), reward + self.shape.win, True, False, info
        self._latest_opponent = answered
        reward -= answered
        if game.done:
            error = self._end(None, mover_is_agent=False)
            return observation(game.state()), reward, True, False, self._info(**error)
        return observation(game.state()), reward, False, False, self._info()

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        over = self.game.done or self._over
        return f"{self.game_slug}: {self.game.state()}{' (over)' if over else ''}"

    def close(self) -> None:
        self.opponent.close()
        super().close()

    # -- internals ------------------------------------------------------------------------------
    def action_mask(self) -> np.ndarray:
        """The valid actions now as an int8 mask (also ``info["action_mask"]``)."""
        legal = () if self._over else self.game.legal_actions()
        return action_mask(legal, self.shape.num_actions)

    def _info(self, **extra: Any) -> dict[str, Any]:
        return {"action_mask": self.action_mask(), "agent_first": self._agent_is_first, **extra}

    def _end(self, last_action: int | None, *, mover_is_agent: bool) -> dict[str, str]:
        """Tell the opponent the match ended, with the prev_reward a duel gives it (its own
        reward if it moved last, else its latest minus the last mover's)."""
        own = self._latest_opponent
        prev = own - self._latest_agent if mover_is_agent else own
        try:
            self.opponent.end(last_action, self.game.state(), prev)
        except PlayerFailure as exc:
            # The match is decided: its reward stands, the failure is reported.
            return {"opponent_error": str(exc)}
        return {}


def register() -> None:
    """Register every game as ``arena/<game>-v0`` for ``gymnasium.make`` (done on import):
    ``gymnasium.make("arena/connect-four-v0", opponent="minimax")``."""
    for slug in environments.slugs():
        env_id = f"arena/{slug}-v0"
        if env_id not in gym.registry:
            gym.register(
                env_id, entry_point="arena.training.single:ArenaEnv", kwargs={"game": slug}
            )


register()
