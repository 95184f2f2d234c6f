"""Hostile: in start() it tries to write /etc/arena-owned, then a file in its own folder
(./owned.txt).

The arena must give players a read-only file system except /tmp: both writes fail, and the
player raises an OSError saying so, which ends the match as its error. A write that succeeds
is logged and removed again, and the player plays on normally, so the test fails.
"""

from __future__ import annotations

import os
import random

import numpy as np

TARGETS = ("/etc/arena-owned", "owned.txt")


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        failures = []
        for path in TARGETS:
            try:
                with open(path, "w") as handle:
                    handle.write("owned by a player\n")
            except OSError as exc:
                failures.append(f"{path}: {exc}")
            else:
                print(f"write_outside_tmp: wrote {os.path.abspath(path)}", flush=True)
                os.remove(path)
        if len(failures) == len(TARGETS):
            # Plain OSError whatever the errno (EROFS or EACCES), so the class name is stable.
            raise OSError(f"could not write outside /tmp: {'; '.join(failures)}")
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
