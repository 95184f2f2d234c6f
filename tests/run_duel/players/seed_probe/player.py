"""Tells its log what the arena's seeds gave it: at import, in Player(), and at each match's
start (Python's random, numpy's global generator, str hashing); then plays a random move."""

import os
import random
import sys

import numpy as np

AT_IMPORT = (random.random(), float(np.random.random()), hash("arena"))


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.at_init = (random.random(), float(np.random.random()))

    def start(self, state, valid_actions) -> int:
        seen = (random.random(), float(np.random.random()), hash("arena"))
        print(
            f"probe import={AT_IMPORT} init={self.at_init} start={seen} "
            f"hashseed={os.environ.get('PYTHONHASHSEED')}",
            file=sys.stderr,
        )
        return self.step(state, valid_actions, 0.0)

    def step(self, state, valid_actions, prev_reward) -> int:
        return int(valid_actions[random.randrange(len(valid_actions))])

    def end(self, state, prev_reward) -> None:
        pass
