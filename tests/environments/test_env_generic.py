"""Properties every game must have, whatever its rules (parametrized over slugs())."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

import environments
from environments import Game, InvalidActionError

SLUGS = environments.slugs()
GAMES_PER_SLUG = 60


def _snapshot(game: Game) -> tuple[Any, ...]:
    return (game.state(), game.legal_actions(), game.done, game.to_move)


def _random_games(slug: str, count: int, seed: int = 0) -> Any:
    """Yield (game, action) before every move of `count` seeded random games."""
    rng = random.Random(seed)
    game = environments.new_game(slug)
    for _ in range(count):
        game.reset()
        while not game.done:
            action = rng.choice(game.legal_actions())
            yield game, action
            game.play(action)


def test_slugs_are_sorted_and_known() -> None:
    assert tuple(sorted(SLUGS)) == SLUGS
    assert set(SLUGS) >= {"tic-tac-toe", "connect-four", "quarto"}


@pytest.mark.parametrize("slug", SLUGS)
def test_game_and_environment_agree_on_random_games(slug: str) -> None:
    rng = random.Random(1)
    dtype = np.dtype(environments.info(slug).state_dtype)
    game = environments.new_game(slug)
    env = environments.load(slug)
    for _ in range(GAMES_PER_SLUG):
        game.reset()
        state, valid = env.reset()
        assert state.dtype == dtype and state.tolist() == game.state()
        assert valid.dtype == np.int64 and valid.tolist() == list(game.legal_actions())
        moves = 0
        while not game.done:
            legal = game.legal_actions()
            assert list(legal) == sorted(set(legal)), "ascending, no duplicates"
            action = rng.choice(valid.tolist())
            mover = game.to_move
            reward = game.play(action)
            state, env_reward, done, valid = env.step(action)
            moves += 1
            assert type(reward) is float and reward == env_reward
            assert done is game.done
            assert state.dtype == dtype and state.shape == (len(game.state()),)
            assert state.tolist() == game.state()
            assert valid.dtype == np.int64 and valid.ndim == 1
            assert valid.tolist() == list(game.legal_actions())
            if not done:
                assert reward == 0.0, "rewards are non-zero only on the last move"
                assert game.to_move == 1 - mover
            else:
                assert game.to_move == mover, "to_move stays at the last mover"
                assert game.legal_actions() == () and valid.size == 0
        assert env.done and moves > 0


@pytest.mark.parametrize("slug", SLUGS)
def test_states_are_plain_json(slug: str) -> None:
    element = float if environments.info(slug).state_dtype == "float64" else int
    env = environments.load(slug)
    for game, _action in _random_games(slug, 20):
        state = game.state()
        assert all(type(value) is element for value in state)
        assert json.loads(json.dumps(state)) == state
        env.game = game
        assert env.to_jsonable() == state
        state.append("mutating the returned list must not touch the game")
        assert game.state() != state


@pytest.mark.parametrize("slug", SLUGS)
def test_every_legal_action_is_accepted_and_every_other_refused(slug: str) -> None:
    cls = environments.game_class(slug)
    candidates = [*range(-2, cls.num_actions + 2), 10**6]
    for index, (game, _action) in enumerate(_random_games(slug, 6, seed=2)):
        if index % 3:
            continue  # every third position is plenty
        legal = set(game.legal_actions())
        before = _snapshot(game)
        for action in candidates:
            trial = game.copy()
            if action in legal:
                trial.play(action)
                continue
            with pytest.raises(InvalidActionError) as caught:
                trial.play(action)
            assert caught.value.action == action and caught.value.reason
            assert str(caught.value).startswith(f"action {action} is not valid in {slug}: ")
            assert _snapshot(trial) == before, "a refused action changes nothing"
        assert _snapshot(game) == before


@pytest.mark.parametrize("slug", SLUGS)
def test_finished_games_refuse_everything(slug: str) -> None:
    game = environments.new_game(slug)
    rng = random.Random(3)
    while not game.done:
        game.play(rng.choice(game.legal_actions()))
    before = _snapshot(game)
    for action in range(game.num_actions):
        with pytest.raises(InvalidActionError, match="the game is over"):
            game.play(action)
    assert _snapshot(game) == before
    game.reset()
    assert not game.done and game.legal_actions()


@pytest.mark.parametrize("slug", SLUGS)
def test_copies_are_independent(slug: str) -> None:
    rng = random.Random(4)
    for _ in range(5):
        game = environments.new_game(slug)
        while not game.done:
            before = _snapshot(game)
            kept = game.copy()
            twin = game.copy()
            assert type(twin) is type(game) and twin is not game
            assert _snapshot(twin) == before
            action = rng.choice(game.legal_actions())
            twin.play(action)
            assert _snapshot(game) == before, "playing a copy leaves the original alone"
            game.play(action)
            assert _snapshot(game) == _snapshot(twin), "same move, same result"
            assert _snapshot(kept) == before, "playing the original leaves its copies alone"
        done_copy = game.copy()
        assert done_copy.done and done_copy.legal_actions() == ()
        done_copy.reset()
        assert game.done, "resetting a copy leaves the original alone"


@pytest.mark.parametrize("slug", SLUGS)
def test_new_games_and_environments_are_fresh(slug: str) -> None:
    first, second = environments.new_game(slug), environments.new_game(slug)
    first.play(first.legal_actions()[0])
    assert second.state() != first.state()
    env_a, env_b = environments.load(slug), environments.load(slug)
    env_a.step(env_a.valid_actions[0])
    assert env_b.to_jsonable() != env_a.to_jsonable()
    assert env_a.info is environments.info(slug)


@pytest.mark.parametrize("slug", SLUGS)
def test_game_class_attributes(slug: str) -> None:
    cls = environments.game_class(slug)
    assert issubclass(cls, Game)
    assert cls.slug == slug
    assert cls.state_dtype == environments.info(slug).state_dtype
    start = environments.new_game(slug).legal_actions()
    assert start and set(start) <= set(range(cls.num_actions))


@pytest.mark.parametrize("slug", SLUGS)
def test_no_match_is_longer_than_max_plies(slug: str) -> None:
    # max_plies bounds an honest duel's duration (run_duel.duel.duel_time_limit).
    rng = random.Random(1)
    game = environments.new_game(slug)
    longest = 0
    for _ in range(GAMES_PER_SLUG):
        game.reset()
        plies = 0
        while not game.done:
            game.play(rng.choice(game.legal_actions()))
            plies += 1
        longest = max(longest, plies)
    assert 0 < longest <= environments.game_class(slug).max_plies


@pytest.mark.parametrize("slug", SLUGS)
def test_game_play_explains_unconverted_numpy_arrays(slug: str) -> None:
    # Game.play is the fast API for ints; Environment.step converts int-likes.
    game = environments.new_game(slug)
    action = np.array(game.legal_actions()[0])
    with pytest.raises(InvalidActionError, match="not a plain int but a ndarray"):
        game.play(action)
    env = environments.load(slug)
    env.step(action)
    assert env.to_jsonable() != environments.new_game(slug).state()
