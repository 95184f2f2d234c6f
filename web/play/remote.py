"""Remote matches: a human match whose human side is a program of the user's, playing through
the API (``arena connect``, :mod:`arena.connect`) instead of the match page.

Everything else is a human match's: the cap (:func:`web.play.services.start_match`), its
holder (:mod:`duel_runner.human_matches`), the move checks (:mod:`web.play.rules`), the owner's
data set. What is remote's own is the wait: a request that sent the client's move answers
with the agent's reply, woken by the holder's news (:func:`duel_runner.inbox.tell`) rather
than polling the row, so a move costs one round trip plus the agent's own time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from core.models import HumanMatch
from web.play import rules

# The longest one request waits for the agent's reply (or for the sandbox to start): a
# waiting request holds a thread of the web, and proxies cut a silent response after a while
# (nginx after 120 s: arena-proxy.conf). Past it the answer says "still thinking" (202) and
# the client asks again with ?wait=.
MAX_WAIT = 25.0

# The match's fields the answers read (its heartbeat, claim... are not theirs).
FIELDS = [
    "state",
    "states",
    "actions",
    "rewards",
    "result",
    "error_msg",
    "human_score",
    "human_first",
]


def clients_turn(match: HumanMatch) -> bool:
    """The client is to move now (the sandbox is up and the agent has answered)."""
    if match.state != HumanMatch.RUNNING or not match.states:
        return False
    slug = match.revision.competitor.environment.slug
    return rules.humans_turn(rules.replay(slug, match.actions), match.human_first)


def settled(match: HumanMatch, after_ply: int) -> bool:
    """Nothing more to wait for: the match is over, or the client is to move after more than
    ``after_ply`` moves (the agent answered the client's move number ``after_ply``)."""
    if not match.is_active:
        return True
    return len(match.actions) > after_ply and clients_turn(match)


# How a view runs database work (a callable and its arguments, in a thread), and how it waits
# for a match's news (duel_runner.inbox): the asynchronous views choose them (web.api.remote).
RunInThread = Callable[..., Awaitable[Any]]
WaitForNews = Callable[[int, float], Awaitable["dict[str, Any] | None"]]


async def wait_for_turn(
    match: HumanMatch, after_ply: int, timeout: float, run: RunInThread, news: WaitForNews
) -> bool:
    """Wait (at most ``timeout`` s, capped at :data:`MAX_WAIT`) until the match is
    :func:`settled` after ``after_ply`` moves (-1: once its sandbox is up); ``match`` is read
    again from the database when it is. True if settled, False if still waiting.

    The holder's news wakes the wait; the database is read only when the news says the
    client's turn came (or the end), and once more when the time is over."""
    deadline = time.monotonic() + min(max(timeout, 0.0), MAX_WAIT)
    if settled(match, after_ply):
        return True
    while True:
        told = await news(match.pk, deadline - time.monotonic())
        if told is None:  # the time is over (or, embedded, nobody holds it here any more)
            await run(match.refresh_from_db, None, FIELDS)
            return settled(match, after_ply)
        if told.get("over") or (told["ply"] > after_ply and told["client_next"]):
            if not take_news(match, told):
                await run(match.refresh_from_db, None, FIELDS)
            if settled(match, after_ply):
                return True
        # Else older news (of a move already answered): the agent's reply is yet to come.


def take_news(match: HumanMatch, told: dict[str, Any]) -> bool:
    """The match as the holder's news of the client's turn says it stands, without reading
    the row (saved before the news was sent); False for news that does not say (the end).

    Only what the answers read is set, the last state alone among the states: the match is
    answered, never saved."""
    if "actions" not in told:
        return False
    match.state = HumanMatch.RUNNING
    match.actions, match.rewards, match.states = told["actions"], told["rewards"], [told["state"]]
    return True


async def wait_for_end(
    match: HumanMatch, timeout: float, run: RunInThread, news: WaitForNews
) -> bool:
    """Wait (as :func:`wait_for_turn`) until the match is over; True if it is."""
    return await wait_for_turn(match, _NEVER, timeout, run, news)


_NEVER = 2**62  # a ply no match reaches: only the end settles the wait
LEAVE_WAIT = 5.0  # seconds a leave request waits for the holder to end the match


def status(match: HumanMatch) -> dict[str, Any]:
    """The match as the API answers it, from the client's side (see RemoteMatchSerializer)."""
    slug = match.revision.competitor.environment.slug
    game = rules.replay(slug, match.actions)
    running = match.state == HumanMatch.RUNNING and bool(match.states)
    turn = None
    if running and not game.done:
        turn = "client" if rules.humans_turn(game, match.human_first) else "agent"
    client_side = rules.human_side(match.human_first)
    return {
        "id": match.pk,
        "game": slug,
        "competitor": match.revision.competitor.name,
        "version": match.revision.version,
        "first": "client" if match.human_first else "agent",
        "match_state": match.state,
        "ply": len(match.actions),
        "turn": turn,
        "state": match.states[-1] if match.states else None,
        "valid_actions": list(game.legal_actions()) if turn == "client" else [],
        "actions": match.actions,
        # Who made each action: the sides alternate strictly (rules.outcome).
        "agent_actions": [a for i, a in enumerate(match.actions) if i % 2 != client_side],
        "rewards": match.rewards,
        "done": not match.is_active,
        "result": match.result or None,
        "client_score": match.human_score,
        "error": match.error_msg or None,
    }
