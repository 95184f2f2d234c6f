"""A game of the arena as a PettingZoo AEC environment: both sides are yours (self-play).

    from arena.training.aec import ArenaAECEnv

    env = ArenaAECEnv("connect-four")
    env.reset(seed=0)
    for agent in env.agent_iter():
        obs, reward, terminated, truncated, info = env.last()
        action = None if terminated or truncated else policy(obs["observation"], obs["action_mask"])
        env.step(action)

Agents ``player_1`` (moves first) and ``player_2``, as in PettingZoo's classic games. Each
observation is ``{"observation": <the arena's state encoding, float32>, "action_mask": <int8,
1 = valid>}``; the mask is all zeros for the agent not to move. The state is absolute (never
flipped to the agent's point of view), exactly what a submitted player receives. Rewards are
the game's (``+1``/``-1``/``0``, quarto ``+100``/``-100``) at the end. An invalid action ends the
game as its player's loss, as in the arena (``infos[agent]["invalid_action"]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

import environments
from arena.training.encoding import action_mask, observation, shape_of

__all__ = ["AGENTS", "ArenaAECEnv"]

AGENTS = ("player_1", "player_2")


class ArenaAECEnv(AECEnv[str, dict[str, np.ndarray], int | None]):
    """One game of the arena, both sides played through the AEC API."""

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "is_parallelizable": False}

    def __init__(self, game: str = "tic-tac-toe", render_mode: str | None = None) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r}: choose None or 'ansi'")
        self.metadata = {**self.metadata, "name": f"arena_{game.replace('-', '_')}"}
        self.render_mode = render_mode
        self.game_slug = game
        self.shape = shape_of(game)
        self.game = environments.new_game(game)
        self.possible_agents = list(AGENTS)
        board = spaces.Box(self.shape.low, self.shape.high, (self.shape.state_size,), np.float32)
        mask = spaces.Box(0, 1, (self.shape.num_actions,), np.int8)
        self.observation_spaces = {
            agent: spaces.Dict({"observation": board, "action_mask": mask})
            for agent in self.possible_agents
        }
        self.action_spaces = {
            agent: spaces.Discrete(self.shape.num_actions) for agent in self.possible_agents
        }
        # The global state, for learners with a centralised critic: the same encoding.
        self.state_space = board
        self._over = False

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        # The games have no randomness: a seed changes nothing, and every reset is the same.
        self.game.reset()
        self._over = False
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict[str, Any]] = {agent: {} for agent in self.agents}
        self.agent_selection = self.agents[0]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        to_move = agent == self.agent_selection and not self._over
        legal = self.game.legal_actions() if to_move else ()
        return {
            "observation": observation(self.game.state()),
            "action_mask": action_mask(legal, self.shape.num_actions),
        }

    def state(self) -> np.ndarray:
        return observation(self.game.state())

    def step(self, action: int | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        other = self._other(agent)
        self._cumulative_rewards[agent] = 0.0
        try:
            reward = self.game.play(environments.as_action(action))
        except (TypeError, environments.InvalidActionError) as exc:
            # The arena's rule: an invalid action loses the match for its player.
            self._over = True
            self.infos[agent] = {"invalid_action": str(exc)}
            self._finish({agent: -self.shape.win, other: self.shape.win})
        else:
            if self.game.done:
                self._finish({agent: reward, other: -reward})
            else:
                self.rewards = dict.fromkeys(self.agents, 0.0)
        self.agent_selection = other
        self._accumulate_rewards()

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return f"{self.game_slug}: {self.game.state()}{' (over)' if self.game.done else ''}"

    def close(self) -> None:
        pass

    def _finish(self, rewards: dict[str, float]) -> None:
        self.rewards = rewards
        self.terminations = dict.fromkeys(self.agents, True)

    def _other(self, agent: str) -> str:
        return AGENTS[1] if agent == AGENTS[0] else AGENTS[0]
