"""HostedOpponent against a stand-in of our own remote-agent client (arena.connect.RemoteMatch,
same constructor and fields), whose "hosted agent" plays the smallest valid action. The real
client against a real server is tested end to end with the remote-agent API."""

from __future__ import annotations

import pytest

pytest.importorskip("gymnasium")

import environments
from arena.training.opponents import HostedOpponent, OpponentMismatch
from arena.training.single import ArenaEnv


class StandInMatch:
    """A RemoteMatch-shaped object whose agent plays the smallest valid action."""

    opened: list[StandInMatch] = []

    def __init__(
        self, server, token, game, competitor, version=None, *, agent_first=False, timeout=120.0
    ):
        self.args = (server, token, game, competitor, version, agent_first)
        self.game = environments.new_game(game)
        self.result = None
        self.client_score = 0.0
        self.left = self.closed = False
        StandInMatch.opened.append(self)
        if agent_first:
            self._agent()
        self._update()

    def _agent(self):
        self.game.play(self.choose(self.game.legal_actions()))

    def choose(self, valid):
        return valid[0]

    def _update(self):
        self.state = [float(x) for x in self.game.state()]
        self.valid_actions = list(self.game.legal_actions())
        self.done = self.game.done
        if self.done:
            self.result = "done"

    def play(self, action):
        self.game.play(action)
        if not self.game.done:
            self._agent()
        self._update()

    def leave(self):
        self.left = True

    def close(self):
        self.closed = True


def hosted(match_class=StandInMatch):
    return HostedOpponent(
        "https://arena.example", "tok", "ada-minimax", 3, remote_match=match_class
    )


def play_episode(env, **reset):
    obs, info = env.reset(**reset)
    total, terminated = 0.0, False
    while not terminated:
        obs, reward, terminated, _, info = env.step(info["action_mask"].nonzero()[0][0])
        total += float(reward)
    return total, obs.tolist(), info


@pytest.mark.parametrize("game", ["tic-tac-toe", "connect-four", "quarto"])
def test_a_hosted_agent_plays_the_same_match_as_the_same_player_here(game):
    StandInMatch.opened.clear()
    env = ArenaEnv(game, hosted())
    local = ArenaEnv(game, "dummy")  # the example player that plays the smallest valid action
    for seed in (0, None):  # we first, then the hosted agent first
        assert play_episode(env, seed=seed)[:2] == play_episode(local, seed=seed)[:2]
    first, second = StandInMatch.opened
    assert first.args == ("https://arena.example", "tok", game, "ada-minimax", 3, False)
    assert second.args[-1] is True  # agent_first: the hosted agent opened the second match
    assert first.closed and not first.left  # finished matches are closed, not left


def test_an_episode_abandoned_midway_leaves_its_hosted_match():
    StandInMatch.opened.clear()
    env = ArenaEnv("connect-four", hosted(), agent_first=True)
    env.reset(seed=0)
    env.step(3)
    env.reset()
    env.close()
    first, second = StandInMatch.opened
    assert first.left and first.closed and second.left and second.closed


def test_the_server_is_authoritative_a_disagreement_raises():
    class OtherRules(StandInMatch):
        def play(self, action):
            super().play(action)
            self.state = [*self.state[:-1], 7.0]  # a "to move" entry the local rules never have

    env = ArenaEnv("tic-tac-toe", hosted(OtherRules), agent_first=True)
    env.reset(seed=0)
    with pytest.raises(OpponentMismatch, match="no legal move of tic-tac-toe"):
        env.step(4)


def test_a_hosted_agent_that_ends_the_match_without_moving_loses_it():
    class Forfeits(StandInMatch):
        def play(self, action):
            self.game.play(action)
            self._update()
            self.done, self.result = True, "agent error"

    env = ArenaEnv("tic-tac-toe", hosted(Forfeits), agent_first=True)
    total, _, info = play_episode(env, seed=0)
    assert total == 1.0 and "without moving" in info["opponent_error"]
