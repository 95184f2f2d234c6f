"""Draws its moves from os.urandom, which no seed reaches: a duel of it played again differs
from the first move it makes where the draw picks another action."""

import os


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state, valid_actions) -> int:
        return int(valid_actions[os.urandom(1)[0] % len(valid_actions)])

    def step(self, state, valid_actions, prev_reward) -> int:
        return self.start(state, valid_actions)

    def end(self, state, prev_reward) -> None:
        pass
