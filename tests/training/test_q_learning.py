"""The documented example: a short Q-learning run against random loses less than before it."""

from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("gymnasium")

from tests.conftest import EXAMPLE_PLAYERS

FOLDER = EXAMPLE_PLAYERS / "q_learning"


def load(name):
    spec = importlib.util.spec_from_file_location(f"q_learning_{name}", FOLDER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_training_loses_less_against_random_than_no_training(tmp_path):
    train = load("train")
    table = train.train(3000, seed=0)
    matches = 600  # first and second in turn; random vs random loses about 44% of them
    before = train.evaluate({}, matches, seed=1)
    after = train.evaluate(table, matches, seed=1)
    assert before["losses"] > 0.3 * matches
    assert after["losses"] < before["losses"] / 2

    # The folder plays from the table it is given: a submittable player.
    train.save(table, tmp_path / "q_table.json")
    player = load("player")
    saved = player.load_table(tmp_path / "q_table.json")
    assert saved.keys() == table.keys()
    assert all(saved[k] == pytest.approx(table[k], abs=1e-4) for k in table)
    assert player.load_table(tmp_path / "missing.json") == {}
