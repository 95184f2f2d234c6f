"""Random player: answers a uniformly random valid action, in every game.

The simplest baseline of RL Arena. It uses only the standard library, so it runs in any player
image, and it works for tic-tac-toe, connect-four and quarto alike because it never looks at the
state.

It draws from Python's global ``random``, which the arena seeds for every match (docs/rules.md,
"Seeds"): its duels can be played again move for move with ``arena rerun``. A generator of its
own (``random.Random()``, seeded from the operating system) would play differently each time.
"""

from __future__ import annotations

import random

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.train_mode = train_mode

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return self._choose(valid_actions)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self._choose(valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass

    def _choose(self, valid_actions: np.ndarray) -> int:
        return int(valid_actions[random.randrange(len(valid_actions))])
