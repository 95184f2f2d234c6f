"""Random player: answers a uniformly random valid action, in every game.

The simplest baseline of RL Arena. It uses only the standard library, so it runs in any player
image, and it works for tic-tac-toe, connect-four and quarto alike because it never looks at the
state.
"""

from __future__ import annotations

import random

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.train_mode = train_mode
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return self._choose(valid_actions)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self._choose(valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass

    def _choose(self, valid_actions: np.ndarray) -> int:
        return int(valid_actions[self.rng.randrange(len(valid_actions))])
