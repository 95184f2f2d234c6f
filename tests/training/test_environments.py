"""The games as PettingZoo and Gymnasium environments (arena.training): the libraries' own
checkers, the masks, who moves first, the rewards and the opponents' bookkeeping."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("pettingzoo")

import gymnasium
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import api_test, seed_test

import environments
from arena.training.aec import ArenaAECEnv
from arena.training.opponents import PlayerOpponent, example_opponent
from arena.training.single import ArenaEnv
from run_duel.match import play_match
from run_duel.players import InProcessPlayer, load_player
from tests.conftest import EXAMPLE_PLAYERS

GAMES = ["tic-tac-toe", "connect-four", "quarto"]


def legal(mask: np.ndarray) -> list[int]:
    return mask.nonzero()[0].tolist()


@pytest.mark.parametrize("game", GAMES)
def test_the_aec_environment_passes_pettingzoos_checks(game):
    with warnings.catch_warnings():
        # Both are PettingZoo's remarks on every Dict observation (its own classic games too).
        warnings.filterwarnings("ignore", message="Observation space for each agent probably")
        warnings.filterwarnings("ignore", message="Observation is not a NumPy array")
        api_test(ArenaAECEnv(game), num_cycles=300)
        seed_test(lambda: ArenaAECEnv(game), num_cycles=30)


@pytest.mark.parametrize("game", GAMES)
def test_the_gymnasium_environment_passes_check_env_against_random(game):
    env = gymnasium.make(f"arena/{game}-v0", opponent="random").unwrapped
    assert isinstance(env, ArenaEnv) and env.game_slug == game
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any remark of the checker fails the test
        check_env(env)
    env.close()


def test_a_local_player_folder_is_an_opponent_in_its_process_sandbox():
    env = ArenaEnv("tic-tac-toe", EXAMPLE_PLAYERS / "random")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*alternative render modes")
            check_env(env)
        outcomes = set()
        _, info = env.reset(seed=3)
        for _ in range(12):
            total, terminated = 0.0, False
            while not terminated:
                _, reward, terminated, truncated, info = env.step(legal(info["action_mask"])[0])
                total += float(reward)
                assert not truncated and "opponent_error" not in info
            outcomes.add(total)
            _obs, info = env.reset()
        assert outcomes <= {-1.0, 0.0, 1.0}
        # A sandboxed player: a process of its own, alive between the episodes.
        assert env.opponent.handle.__class__.__name__ == "ProcessPlayer"
    finally:
        env.close()


def test_the_first_player_alternates_and_a_seed_restarts_the_alternation():
    env = ArenaEnv("tic-tac-toe", "random")
    firsts = []
    obs, info = env.reset(seed=5)
    for _ in range(4):
        firsts.append(info["agent_first"])
        marks = obs[:9]
        if info["agent_first"]:
            assert not marks.any() and obs[9] == 1  # an empty board, we play X
        else:
            assert (marks == 1).sum() == 1 and obs[9] == -1  # the opponent's X is down
        obs, info = env.reset()
    assert firsts == [True, False, True, False]
    assert env.reset(seed=5)[1]["agent_first"] is True
    assert env.reset(options={"agent_first": False})[1]["agent_first"] is False
    fixed = ArenaEnv("tic-tac-toe", "random", agent_first=False)
    assert [fixed.reset(seed=s)[1]["agent_first"] for s in range(3)] == [False] * 3


@pytest.mark.parametrize("game", GAMES)
def test_the_action_masks_are_the_valid_actions(game):
    rng = random.Random(1)
    env = ArenaEnv(game, "random")
    check = environments.new_game(game)
    obs, info = env.reset(seed=2)
    for _ in range(5):
        terminated = False
        while not terminated:
            assert legal(info["action_mask"]) == list(env.game.legal_actions())
            obs, _, terminated, _, info = env.step(rng.choice(legal(info["action_mask"])))
            assert obs.dtype == np.float32
            assert obs.tolist() == [float(x) for x in env.game.state()]
        assert not info["action_mask"].any()
        obs, info = env.reset()

    aec = ArenaAECEnv(game)
    aec.reset()
    check.reset()
    for agent in aec.agent_iter():
        observation, _, terminated, truncated, _ = aec.last()
        mask = observation["action_mask"]
        other = aec.observe("player_2" if agent == "player_1" else "player_1")["action_mask"]
        assert not other.any()  # only the agent to move has moves
        if terminated or truncated:
            aec.step(None)
            continue
        assert legal(mask) == list(check.legal_actions())
        action = rng.choice(legal(mask))
        check.play(action)
        aec.step(action)


class Recorder:
    """A player that plays the smallest valid action and notes every call it gets."""

    def __init__(self, calls: list) -> None:
        self.calls = calls

    def start(self, state, valid_actions):
        self.calls.append(("start", state.tolist(), valid_actions.tolist()))
        return int(valid_actions[0])

    def step(self, state, valid_actions, prev_reward):
        self.calls.append(("step", state.tolist(), valid_actions.tolist(), prev_reward))
        return int(valid_actions[0])

    def end(self, state, prev_reward):
        self.calls.append(("end", state.tolist(), prev_reward))


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("agent_first", [True, False])
def test_an_episode_is_the_duels_match_the_opponent_sees_what_a_duel_shows_it(game, agent_first):
    """The agent and the opponent both play the smallest valid action: the episode's reward is
    the agent's score of the match engine's match, and the opponent's player gets exactly the
    calls (states, valid actions, prev_reward) it gets in that match."""
    dtype = environments.info(game).state_dtype
    in_duel: list = []
    agent = InProcessPlayer(Recorder([]), state_dtype=dtype)
    opponent = InProcessPlayer(Recorder(in_duel), state_dtype=dtype)
    record = play_match(environments.new_game(game), agent, opponent, player_1_starts=agent_first)

    in_env: list = []
    handle = InProcessPlayer(Recorder(in_env), state_dtype=dtype)
    env = ArenaEnv(game, PlayerOpponent(lambda _game: handle), agent_first=agent_first)
    _, info = env.reset(seed=0)
    total, terminated = 0.0, False
    while not terminated:
        _obs, reward, terminated, _, info = env.step(legal(info["action_mask"])[0])
        total += float(reward)
    assert total == record["player_1_score"]
    assert in_env == in_duel
    assert [float(x) for x in env.game.state()] == [float(x) for x in record["states"][-1]]


def test_tic_tac_toe_rewards_follow_the_rules():
    # Against "dummy" (the smallest valid action): X on 0, 3, 6 wins the left column.
    env = ArenaEnv("tic-tac-toe", "dummy", agent_first=True)
    env.reset(seed=0)
    steps = [env.step(a) for a in (0, 3, 6)]
    assert [s[1] for s in steps] == [0.0, 0.0, 1.0] and steps[-1][2]
    # X on 8, 7, 5 while dummy's O takes 0, 1, 2: the top row, the agent loses.
    env.reset(seed=0)
    steps = [env.step(a) for a in (8, 7, 5)]
    assert steps[-1][1] == -1.0 and steps[-1][2]
    assert env.game.state()[:3] == [-1.0, -1.0, -1.0]


def test_an_invalid_action_loses_the_match_as_in_the_arena():
    env = ArenaEnv("quarto", "random", agent_first=True)
    _obs, info = env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(15)  # hands over the piece it places
    assert (reward, terminated, truncated) == (-100.0, True, False)
    assert "invalid_action" in info and not info["action_mask"].any()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(1)

    aec = ArenaAECEnv("tic-tac-toe")
    aec.reset()
    aec.step(4)
    aec.step(4)  # player_2 plays the taken centre
    assert aec.terminations == {"player_1": True, "player_2": True}
    assert aec.rewards == {"player_1": 1.0, "player_2": -1.0}
    assert "invalid_action" in aec.infos["player_2"]


@pytest.mark.parametrize("hostile", ["exception_in_step", "invalid_action"])
def test_the_opponents_error_is_the_agents_win(hostile):
    folder = EXAMPLE_PLAYERS / "hostile" / hostile
    opponent = PlayerOpponent(lambda game: load_player(folder, label="opponent"))
    env = ArenaEnv("tic-tac-toe", opponent, agent_first=True)
    _, info = env.reset(seed=0)
    total, terminated = 0.0, False
    while not terminated:
        _obs, reward, terminated, _, info = env.step(legal(info["action_mask"])[0])
        total += float(reward)
    assert total == 1.0
    assert "opponent_error" in info


def test_an_unknown_opponent_says_what_to_give():
    with pytest.raises(ValueError, match="example player's name nor a player folder"):
        ArenaEnv("tic-tac-toe", "no-such-player")
    with pytest.raises(ValueError, match="choose one of"):
        example_opponent("no-such-player")
