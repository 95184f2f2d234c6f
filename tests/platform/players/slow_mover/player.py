"""An honest but slow player: it thinks 1.5 s before every move (well within the deadline),
so one match lasts longer than the stuck-work limit the heartbeat test sets."""

import random
import time


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random(7)

    def start(self, state, valid_actions) -> int:
        time.sleep(1.5)
        return int(self.rng.choice(valid_actions))

    def step(self, state, valid_actions, prev_reward) -> int:
        return self.start(state, valid_actions)

    def end(self, state, prev_reward) -> None:
        pass
