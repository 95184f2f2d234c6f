"""Replay the trajectories recorded from the 2019 rules; every field must match."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import environments

SLUGS = environments.slugs()


def _assert_state(actual: np.ndarray, expected: list[Any], dtype: str, where: str) -> None:
    assert isinstance(actual, np.ndarray), where
    assert actual.dtype == np.dtype(dtype), where
    assert actual.shape == (len(expected),), where
    assert actual.tolist() == expected, where


def _assert_valid(actual: np.ndarray, expected: list[int], where: str) -> None:
    assert isinstance(actual, np.ndarray), where
    assert actual.dtype == np.int64 and actual.ndim == 1, where
    assert actual.tolist() == expected, where


def test_golden_files_cover_every_environment(golden: Any) -> None:
    for slug in SLUGS:
        data = golden(slug)
        assert data["environment"] == slug
        assert len(data["games"]) == 200


@pytest.mark.parametrize("slug", SLUGS)
def test_environment_replays_golden(golden: Any, slug: str) -> None:
    dtype = environments.info(slug).state_dtype
    env = environments.load(slug)
    for number, game in enumerate(golden(slug)["games"]):
        state, valid = env.reset()
        _assert_state(state, game["initial_state"], dtype, f"game {number} start")
        _assert_valid(valid, game["initial_valid_actions"], f"game {number} start")
        for index, step in enumerate(game["steps"]):
            where = f"game {number} step {index} action {step['action']}"
            state, reward, done, valid = env.step(step["action"])
            _assert_state(state, step["state"], dtype, where)
            assert type(reward) is float and reward == step["reward"], where
            assert type(done) is bool and done == step["done"], where
            _assert_valid(valid, step["valid_actions"], where)
            assert env.to_jsonable() == step["state"], where
        assert env.done


@pytest.mark.parametrize("slug", SLUGS)
def test_game_replays_golden(golden: Any, slug: str) -> None:
    element = float if environments.info(slug).state_dtype == "float64" else int
    game = environments.new_game(slug)
    for number, recorded in enumerate(golden(slug)["games"]):
        game.reset()
        assert game.state() == recorded["initial_state"], f"game {number} start"
        assert game.legal_actions() == tuple(recorded["initial_valid_actions"])
        for index, step in enumerate(recorded["steps"]):
            where = f"game {number} step {index} action {step['action']}"
            reward = game.play(step["action"])
            state = game.state()
            assert state == step["state"], where
            assert all(type(value) is element for value in state), where
            assert type(reward) is float and reward == step["reward"], where
            assert game.done is step["done"], where
            assert game.legal_actions() == tuple(step["valid_actions"]), where
