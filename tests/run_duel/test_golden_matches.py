"""The golden matches of ../shared/golden/matches.json.gz, replayed call for call."""

from __future__ import annotations

import gzip
import json
import random

import numpy as np

import environments
from run_duel import InProcessPlayer, play_match
from tests.conftest import golden_dir


class SeededRandomPlayer:
    """The golden files' player: random.Random(seed).choice(valid_actions), every call logged."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.calls: list[dict] = []

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        action = int(self.rng.choice(valid_actions))
        self.calls.append(
            {
                "method": "start",
                "state": state.tolist(),
                "valid_actions": valid_actions.tolist(),
                "action": action,
            }
        )
        return action

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        action = int(self.rng.choice(valid_actions))
        self.calls.append(
            {
                "method": "step",
                "state": state.tolist(),
                "valid_actions": valid_actions.tolist(),
                "prev_reward": prev_reward,
                "action": action,
            }
        )
        return action

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        self.calls.append({"method": "end", "state": state.tolist(), "prev_reward": prev_reward})


def _golden_matches() -> list[dict]:
    with gzip.open(golden_dir() / "matches.json.gz") as f:
        return json.load(f)["matches"]


def test_it_reproduces_every_golden_match():
    matches = _golden_matches()
    assert {m["environment"] for m in matches} == set(environments.slugs())
    for number, golden in enumerate(matches, 1):
        dtype = environments.info(golden["environment"]).state_dtype
        p1 = SeededRandomPlayer(golden["player_1_seed"])
        p2 = SeededRandomPlayer(golden["player_2_seed"])
        record = play_match(
            environments.new_game(golden["environment"]),
            InProcessPlayer(p1, state_dtype=dtype, label="player 1"),
            InProcessPlayer(p2, state_dtype=dtype, label="player 2"),
            player_1_starts=golden["player_1_starts"],
            match_number=number,
        )
        where = f"golden match {number} ({golden['environment']})"
        for key, value in golden["result"].items():
            assert record[key] == value, f"{where}: {key}"
            assert type(record[key]) is type(value) or key == "states", f"{where}: type of {key}"
        assert p1.calls == golden["player_1_calls"], f"{where}: player 1's calls"
        assert p2.calls == golden["player_2_calls"], f"{where}: player 2's calls"
        assert record["error_msg"] is None
