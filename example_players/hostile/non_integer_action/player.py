"""Hostile: plays a valid first move, then answers something that is no integer in step():
in turn the string "four", the float 2.5, the bool True and the list [4].

The arena must reject each one as "not an integer" (the 2019 arena accepted int-like values:
Python and numpy integers, floats holding an integer; never strings, fractions or bools) and
end the match as this player's error.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

NOT_INTEGERS: list[Any] = ["four", 2.5, True, [4]]


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()
        self.calls = 0

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> Any:
        answer = NOT_INTEGERS[self.calls % len(NOT_INTEGERS)]
        self.calls += 1
        return answer

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
