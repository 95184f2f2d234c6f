"""Gets ready, then never answers a move (sleeping, not spinning): a test stands in the middle
of a move for as long as it needs."""

import time


class Player:
    def __init__(self, train_mode: bool) -> None:
        pass

    def start(self, state, valid_actions) -> int:
        time.sleep(3600)
        return int(valid_actions[0])

    step = start

    def end(self, state, prev_reward) -> None:
        pass
