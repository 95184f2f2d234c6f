"""A 2019-style player (benchmark): the greedy player (``../greedy``), with one move in four
played at random. Close to greedy in strength: the near-even pair that early stopping must
leave to play on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_bench_greedy", Path(__file__).resolve().parents[1] / "greedy" / "player.py"
)
assert _spec is not None and _spec.loader is not None
_greedy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_greedy)


class Player(_greedy.Player):
    def choose(self, state, valid_actions) -> int:
        if self.rng.random() < 0.25:
            return int(valid_actions[self.rng.randrange(len(valid_actions))])
        return super().choose(state, valid_actions)
