"""Holding one human match: the agent in its sandbox, the human's moves from the match's inbox.

The match is played by the arena's one match engine, :func:`run_duel.match.play_match`: the
human is one more player handle (:class:`run_duel.human.HumanPlayer`), player 1 of the match,
and :func:`run_duel.outcomes.human_result` tells the result from the human's side. The row is
claimed, kept and finished through :mod:`core.work`; each move is saved as it is played, so
the page polling the row shows it at once.

It runs in a Celery worker of the ``play`` queue (the web container has no Docker socket) or,
in the embedded mode, in a thread of the serving process: :func:`start` chooses.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

import environments
from core.models import HumanMatch
from core.work import TIME_LIMIT_GRACE, ClaimLost, beat, claim, finish
from duel_runner import inbox
from duel_runner.sandboxes import open_revision
from run_duel.duel import match_time_limit
from run_duel.errors import PlayerFailure
from run_duel.human import NOT_A_MOVE, HumanLeft, HumanPlayer
from run_duel.match import play_match
from run_duel.outcomes import human_result
from run_duel.players import PlayerHandle

log = logging.getLogger(__name__)

PLAY_QUEUE = "play"  # the compose "play" worker consumes it (docker/entrypoint.sh)
HUMAN_MATCH_LABEL = "org.rl-arena.human-match"  # on the agent's container
AGENT = "the agent"  # how the match's messages name it

# The longest an honest human match can last in any game: the human may think up to the idle
# timeout before each move. Past it the task is stopped, never left holding a sandbox.
MATCH_TIME_LIMIT = (
    max(match_time_limit(s, settings.ARENA_PLAY_IDLE_TIMEOUT) for s in environments.slugs())
    + TIME_LIMIT_GRACE
)


def start(match_id: int) -> None:
    """Start holding the match (call it once its row is committed): a task on the ``play``
    queue, or, without a broker, a thread of this process (an eager task would block the
    request that started the match for the whole match)."""
    if not inbox.embedded():
        run_human_match.apply_async(args=[match_id], queue=PLAY_QUEUE)
        return
    wait_for_message = inbox.open_here(match_id)

    def run() -> None:
        try:
            play_human_match(match_id, wait_for_message)
        finally:
            inbox.close_here(match_id)
            connection.close()  # this thread's own database connection

    threading.Thread(target=run, name=f"human-match-{match_id}", daemon=True).start()


# Acknowledged at once: the match lives as long as the human plays, and a redelivered copy
# would find the row taken anyway.
@shared_task(
    name="duel_runner.human_matches.run_human_match",
    acks_late=False,
    soft_time_limit=MATCH_TIME_LIMIT,
    time_limit=MATCH_TIME_LIMIT + TIME_LIMIT_GRACE,
)
def run_human_match(match_id: int) -> None:
    play_human_match(match_id, inbox.waiter(match_id))


_FINAL_FIELDS = ["state", "finished", "result", "error_msg", "human_score"]


def play_human_match(match_id: int, wait_for_message: inbox.WaitForMessage) -> None:
    """Play the match to its end and record it; the sandbox is released whatever happens."""

    def started(match: HumanMatch) -> None:
        match.started = timezone.now()

    match = claim(
        HumanMatch, match_id, [HumanMatch.WAITING], "state", HumanMatch.RUNNING, prepare=started
    )
    if match is None:
        return
    try:
        _hold(match, wait_for_message)
    finally:
        if match.client == HumanMatch.REMOTE:
            inbox.tell(match_id, {"over": True})  # recorded (or no longer ours): wake its client


def _hold(match: HumanMatch, wait_for_message: inbox.WaitForMessage) -> None:
    """Play the claimed match in the agent's sandbox and record how it ended."""
    match_id = match.pk
    final: dict[str, Any]
    try:
        with contextlib.ExitStack() as stack:
            agent = open_revision(
                match.revision, AGENT, stack, **{HUMAN_MATCH_LABEL: str(match_id)}
            )
            agent.open()
            final = _play(match, agent, wait_for_message)
    except ClaimLost:
        return  # abandoned by the sweep, or deleted: not ours to record any more
    except PlayerFailure as failure:  # the agent could not start
        final = {
            "result": HumanMatch.AGENT_ERROR,
            "error_msg": told_to_the_human(AGENT, failure),
        }
    except Exception as exc:  # Docker down, or a bug of ours: not the agent's fault
        log.exception("human match %s failed", match_id)
        final = {"result": HumanMatch.ARENA_ERROR, "error_msg": f"arena error: {exc}"}
    match.state = final.pop("state", HumanMatch.FINISHED)
    match.finished = timezone.now()
    for name, value in final.items():
        setattr(match, name, value)
    finish(match, _FINAL_FIELDS)


def _play(
    match: HumanMatch, agent: PlayerHandle, wait_for_message: inbox.WaitForMessage
) -> dict[str, Any]:
    """Play the match with the one match engine, saving each move; its final fields."""
    game = environments.new_game(match.revision.competitor.environment.slug)
    states: list[list[float]] = [game.state()]
    actions: list[int] = []
    rewards: list[float] = []
    client_side = 0 if match.human_first else 1
    remote = match.client == HumanMatch.REMOTE

    def save() -> None:
        client_next = not game.done and game.to_move == client_side
        if remote and not client_next and not game.done:
            # Nobody watches a remote match's page: its row is saved when the client is to
            # move or the match is over, one write per pair of moves on a move's round trip.
            return
        _save_progress(match, states, actions, rewards)
        if remote and client_next:
            # Its client waits for this news rather than polling the row, and the news holds
            # what the client's answer shows (the end is told once recorded: play_human_match).
            # Copies: in the embedded mode the news is this very object, in another thread.
            news = {"ply": len(actions), "client_next": True, "actions": list(actions)}
            inbox.tell(match.pk, {**news, "rewards": list(rewards), "state": states[-1]})

    save()  # the page shows the board: ready

    def receive(timeout: float) -> object:
        message = wait_for_message(timeout)
        if message is None:
            return None
        if message.get("leave"):
            raise HumanLeft
        if message.get("ply") != len(actions):
            return NOT_A_MOVE  # a late duplicate of a move already played
        return message.get("action")

    def moved(event: dict[str, Any]) -> None:
        actions.append(event["action"])
        # The game's own reward (a float), as the record always held it.
        rewards.append(float(event["reward"]))
        states.append(event["state"])
        save()

    human = HumanPlayer(receive, settings.ARENA_PLAY_IDLE_TIMEOUT)
    record = play_match(
        game,
        human,
        _EndCannotFail(agent),
        player_1_starts=match.human_first,
        on_event=moved,
        failure_message=lambda handle, failure, where: told_to_the_human(handle.label, failure),
    )
    result = human_result(record["result"], human_is_player_1=True)
    if result is None:
        log.info("human match %s abandoned: %s", match.pk, record["error_msg"])
        return {"state": HumanMatch.ABANDONED}
    if result in (HumanMatch.AGENT_ERROR, HumanMatch.ARENA_ERROR):
        if result == HumanMatch.ARENA_ERROR:
            log.error("human match %s failed: %s", match.pk, record["error_msg"])
        # The human's score stays 0: a match ended by a failure is not scored.
        return {"result": result, "error_msg": record["error_msg"]}
    return {"result": result, "human_score": record["player_1_score"]}


def _save_progress(
    match: HumanMatch, states: list[list[float]], actions: list[int], rewards: list[float]
) -> None:
    """Save the moves so far with a sign of life; ClaimLost if the match is no longer ours."""
    if not beat(match, states=states, actions=actions, rewards=rewards):
        raise ClaimLost


def told_to_the_human(label: str, failure: PlayerFailure) -> str:
    """What a side did wrong, as the human sees it: "the agent timed out after 10 s". Never
    the agent's log, which may be private, nor the call and match a duel's record names.

    The engine's summary of an invalid action ends with a comma, before the call it names in
    a duel's record; here it ends the sentence.
    """
    return f"{label} {failure.summary.rstrip(',')}"


class _EndCannotFail:
    """The agent, except that its ``end()`` cannot fail: against a human the match is decided
    before it, and an agent failing there changes nothing for the human."""

    def __init__(self, agent: PlayerHandle) -> None:
        self.agent = agent
        self.label = agent.label

    def start(self, state: list, valid_actions: Sequence[int]) -> int:
        return self.agent.start(state, valid_actions)

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int:
        return self.agent.step(state, valid_actions, prev_reward)

    def end(self, state: list, prev_reward: float) -> None:
        with contextlib.suppress(PlayerFailure):
            self.agent.end(state, prev_reward)
