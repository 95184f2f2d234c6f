"""Playing one human match: the agent in its sandbox, the human's moves from an inbox.

:func:`play_human_match` is the whole match, from claiming the row to releasing the sandbox.
It runs in a Celery worker of the ``play`` queue (the web container has no Docker socket) or,
in the embedded mode, in a thread of the serving process (see :mod:`web.play.backends`);
both hand it a ``wait_for_message`` that returns the next message the page sent for the
match, or None when the idle timeout passed.

Messages: ``{"ply": n, "action": a}`` (the human's move when ``n`` moves were played: a late
duplicate click is recognised and dropped) and ``{"leave": true}``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.work import worker_name
from duel_runner.sandboxes import open_player
from environments import InvalidActionError
from run_duel.errors import PlayerFailure
from web.play import rules
from web.play.models import HumanMatch

log = logging.getLogger(__name__)

WaitForMessage = Callable[[float], "dict[str, Any] | None"]


class MatchGone(Exception):
    """The row is no longer ours (abandoned by the sweep, deleted): stop at once."""


def _claim(match_id: int) -> HumanMatch | None:
    now = timezone.now()
    taken = HumanMatch.objects.filter(pk=match_id, state=HumanMatch.WAITING).update(
        state=HumanMatch.RUNNING, worker=worker_name(), started=now, updated=now
    )
    if not taken:
        return None
    return HumanMatch.objects.select_related("revision__competitor__environment").get(pk=match_id)


def _save(match: HumanMatch, **fields: Any) -> None:
    """Write the match's progress, only while it is still ours and running."""
    fields["updated"] = timezone.now()
    written = HumanMatch.objects.filter(
        pk=match.pk, state=HumanMatch.RUNNING, worker=match.worker
    ).update(**fields)
    if not written:
        raise MatchGone
    for name, value in fields.items():
        setattr(match, name, value)


def play_human_match(match_id: int, wait_for_message: WaitForMessage) -> None:
    """Play the match to its end; the sandbox is released whatever happens."""
    match = _claim(match_id)
    if match is None:
        return
    final: dict[str, Any] = {}
    try:
        with contextlib.ExitStack() as stack:
            agent = open_player(
                match.revision, "the agent", stack, **{"org.rl-arena.human-match": str(match_id)}
            )
            agent.open()
            final = _play(match, agent, wait_for_message)
    except MatchGone:
        return
    except PlayerFailure as failure:
        # The human sees what the agent did wrong, never its log (it may be private).
        final = {"result": HumanMatch.AGENT_ERROR, "error_msg": f"the agent {failure.summary}"}
    except Exception as exc:  # Docker down, or a bug of ours: not the agent's fault
        log.exception("human match %s failed", match_id)
        final = {"result": HumanMatch.ARENA_ERROR, "error_msg": f"arena error: {exc}"}
    final.setdefault("state", HumanMatch.FINISHED)
    with contextlib.suppress(MatchGone):
        _save(match, finished=timezone.now(), **final)


def _play(match: HumanMatch, agent: Any, wait_for_message: WaitForMessage) -> dict[str, Any]:
    slug = match.revision.competitor.environment.slug
    game = rules.replay(slug, [])
    human = rules.human_side(match.human_first)
    agent_side = 1 - human
    started = False
    states, actions, rewards = [game.state()], [], []
    _save(match, states=states, actions=[], rewards=[])
    idle_timeout = settings.ARENA_PLAY_IDLE_TIMEOUT
    while not game.done:
        if game.to_move == human:
            deadline = time.monotonic() + idle_timeout
            while True:
                message = wait_for_message(max(0.0, deadline - time.monotonic()))
                if message is None or message.get("leave"):
                    why = "no move" if message is None else "the human left"
                    log.info("human match %s abandoned: %s", match.pk, why)
                    return {"state": HumanMatch.ABANDONED}
                if message.get("ply") != len(actions):
                    continue  # a late duplicate of a move already played
                try:
                    action = rules.check_move(game, match.human_first, message.get("action"))
                except rules.IllegalMove:
                    continue  # the page checks first; a forged move is simply ignored
                break
            reward = game.play(action)
        else:
            valid = game.legal_actions()
            if started:
                action = agent.step(states[-1], valid, rules.prev_reward(rewards, agent_side))
            else:
                started = True
                action = agent.start(states[-1], valid)
            try:
                reward = game.play(action)
            except InvalidActionError as exc:
                raise PlayerFailure(
                    f"chose action {action}, which is not valid: {exc.reason}"
                ) from exc
        actions.append(action)
        rewards.append(reward)
        states.append(game.state())
        _save(match, states=states, actions=actions, rewards=rewards)
    with contextlib.suppress(PlayerFailure):
        # The match is decided; an agent failing in end() changes nothing for the human.
        agent.end(states[-1], rules.prev_reward(rewards, agent_side))
    result = rules.outcome(rewards, match.human_first)
    return {"result": result.result, "human_score": result.human_score}
