"""Tabular Q-learning player: plays the best action of its table, learned by ``train.py``.

The table (``q_table.json``, written by ``train.py`` beside this file) maps a state, written
as its entries joined by commas, to one value per action. A state the table does not hold (or
no table at all, or another game than the one it was trained on) gets a random valid action,
so the folder is a valid player of every game before and after training.

Standard library and numpy only: it runs in any player image.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

TABLE = Path(__file__).with_name("q_table.json")

QTable = dict[str, list[float]]


def state_key(state: Iterable[float]) -> str:
    """A state as a table key: its entries are small integers in every game."""
    return ",".join(str(int(x)) for x in state)


def load_table(path: Path = TABLE) -> QTable:
    """The table ``train.py`` wrote, or an empty one when there is none yet."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text())["q"]


def best_action(table: QTable, state: Iterable[float], valid_actions: Sequence[int]) -> int:
    """The valid action of highest value (the smallest on a tie), or a random one for a state
    the table does not know."""
    values = table.get(state_key(state))
    if values is None:
        return int(valid_actions[random.randrange(len(valid_actions))])
    return int(max(valid_actions, key=lambda action: (values[action], -action)))


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.table = load_table()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return best_action(self.table, state, valid_actions)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return best_action(self.table, state, valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
