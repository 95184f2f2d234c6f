"""The worker's half of a human match, without a sandbox: the agent runs in this process, the
human's messages come from a list, and the row is recorded as the page reads it."""

from __future__ import annotations

import pytest

from core.models import HumanMatch
from duel_runner import human_matches
from run_duel import InProcessPlayer
from run_duel.errors import StartupFailure
from tests.platform import factories
from web.play import rules

pytestmark = pytest.mark.django_db


class FirstFree:
    """Plays the first valid action, or 9 (no cell) when ``invalid``; ``end`` may fail."""

    def __init__(self, end_fails=False, invalid=False):
        self.end_fails = end_fails
        self.invalid = invalid
        self.ended = False

    def start(self, state, valid_actions):
        return 9 if self.invalid else int(valid_actions[0])

    def step(self, state, valid_actions, prev_reward):
        return self.start(state, valid_actions)

    def end(self, state, prev_reward):
        self.ended = True
        if self.end_fails:
            raise RuntimeError("no")


class Agent(InProcessPlayer):
    def open(self):
        pass


@pytest.fixture
def agent(monkeypatch):
    """The match's agent, opened the way open_revision opens it (its label and labels too)."""
    player = FirstFree()
    opened = []

    def open_revision(revision, label, stack, **labels):
        opened.append((revision, label, labels))
        return Agent(player, label=label)

    monkeypatch.setattr(human_matches, "open_revision", open_revision)
    player.opened = opened
    return player


def _match(human_first=True, **fields) -> HumanMatch:
    revision = factories.valid_revision()
    return HumanMatch.objects.create(
        revision=revision, user=factories.user(), human_first=human_first, **fields
    )


def _inbox(*messages):
    """The human's messages, in order (a callable in their place is called: something else
    happening meanwhile); then nothing (the idle timeout)."""
    pending = list(messages)

    def wait(timeout):
        while pending and callable(pending[0]):
            pending.pop(0)()
        return pending.pop(0) if pending else None

    return wait


def test_a_whole_match_is_recorded_move_by_move(agent):
    match = _match(human_first=True)
    # The agent plays the first free cell; the human takes the left column.
    human_matches.play_human_match(
        match.pk, _inbox({"ply": 0, "action": 0}, {"ply": 2, "action": 3}, {"ply": 4, "action": 6})
    )
    match.refresh_from_db()
    assert (match.state, match.result, match.human_score) == (
        HumanMatch.FINISHED,
        HumanMatch.HUMAN_WIN,
        1,
    )
    assert match.actions == [0, 1, 3, 2, 6]
    assert match.rewards == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert all(isinstance(reward, float) for reward in match.rewards)
    assert match.states == [
        rules.replay("tic-tac-toe", match.actions[:i]).state() for i in range(6)
    ]
    assert match.result == rules.outcome(match.rewards, match.human_first).result
    assert match.error_msg == "" and match.claim is None and match.worker
    assert match.started is not None and match.finished is not None
    assert agent.ended
    assert agent.opened == [
        (match.revision, "the agent", {"org.rl-arena.human-match": str(match.pk)})
    ]


def test_late_duplicates_and_forged_moves_are_dropped(agent):
    match = _match(human_first=False)
    human_matches.play_human_match(
        match.pk,
        _inbox(
            {"ply": 0, "action": 4},  # sent before the agent moved: a stale ply
            {"ply": 1, "action": 0},  # cell 0 is the agent's
            {"ply": 1, "action": "4"},
            {"ply": 1, "action": 4},
            {"ply": 1, "action": 4},  # the same click twice
            {"ply": 3, "action": 2},
            {"ply": 5, "action": 6},
        ),
    )
    match.refresh_from_db()
    assert match.actions == [0, 4, 1, 2, 3, 6]
    assert (match.state, match.result, match.human_score) == (
        HumanMatch.FINISHED,
        HumanMatch.HUMAN_WIN,
        1,
    )


def test_leaving_or_no_move_abandons_the_match_with_no_result(agent, settings):
    settings.ARENA_PLAY_IDLE_TIMEOUT = 1
    left = _match()
    human_matches.play_human_match(left.pk, _inbox({"ply": 0, "action": 4}, {"leave": True}))
    idle = _match()
    human_matches.play_human_match(idle.pk, _inbox())
    for match, actions in ((left, [4, 0]), (idle, [])):
        match.refresh_from_db()
        assert (match.state, match.result, match.error_msg) == (HumanMatch.ABANDONED, "", "")
        assert match.actions == actions and match.finished is not None


def test_an_agent_that_plays_nonsense_loses_by_its_error(agent):
    agent.invalid = True
    match = _match(human_first=False)
    human_matches.play_human_match(match.pk, _inbox())
    match.refresh_from_db()
    assert (match.state, match.result) == (HumanMatch.FINISHED, HumanMatch.AGENT_ERROR)
    # What the agent did, for the human: no call, no match number, no log.
    assert match.error_msg == (
        "the agent chose action 9, which is not valid: there is no cell 9 (cells are 0-8)"
    )
    assert match.states == [rules.replay("tic-tac-toe", []).state()] and match.actions == []


def test_an_agent_failing_in_end_changes_nothing(agent):
    agent.end_fails = True
    match = _match(human_first=True)
    human_matches.play_human_match(
        match.pk, _inbox({"ply": 0, "action": 0}, {"ply": 2, "action": 3}, {"ply": 4, "action": 6})
    )
    match.refresh_from_db()
    assert (match.state, match.result) == (HumanMatch.FINISHED, HumanMatch.HUMAN_WIN)


def test_an_agent_that_cannot_start_loses_by_its_error(monkeypatch):
    class Broken(Agent):
        def open(self):
            raise StartupFailure("exited with code 1 before it was ready")

    monkeypatch.setattr(
        human_matches, "open_revision", lambda revision, label, stack, **labels: Broken(None)
    )
    match = _match()
    human_matches.play_human_match(match.pk, _inbox())
    match.refresh_from_db()
    assert (match.state, match.result) == (HumanMatch.FINISHED, HumanMatch.AGENT_ERROR)
    assert match.error_msg == "the agent exited with code 1 before it was ready"


def test_a_match_taken_back_by_the_sweep_is_left_as_the_sweep_left_it(agent):
    match = _match(human_first=True)

    def swept():
        HumanMatch.objects.filter(pk=match.pk).update(state=HumanMatch.ABANDONED, claim=None)

    human_matches.play_human_match(
        match.pk, _inbox({"ply": 0, "action": 4}, swept, {"ply": 2, "action": 3})
    )
    match.refresh_from_db()
    # The human's move after the sweep is not saved, nor is anything else.
    assert match.state == HumanMatch.ABANDONED and match.actions == [4, 0]
    assert match.result == "" and match.finished is None


def test_a_match_already_taken_is_not_played_twice(agent):
    match = _match(state=HumanMatch.RUNNING)
    human_matches.play_human_match(match.pk, _inbox())
    assert agent.opened == []
