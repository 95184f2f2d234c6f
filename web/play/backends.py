"""The website's half of a human match: starting whoever holds it, and passing it the page's
messages. The other half, holding the agent's sandbox, is :mod:`duel_runner.human_matches`;
the two meet in the match's inbox (:mod:`duel_runner.inbox`)."""

from __future__ import annotations

from django.db import transaction

from duel_runner import human_matches, inbox


def start(match_id: int) -> None:
    """Start the match's agent once the row is committed: its holder must find it."""
    transaction.on_commit(lambda: human_matches.start(match_id))


def send(match_id: int, message: inbox.Message) -> None:
    """Hand a message from the page (a move, leaving) to whoever holds the match."""
    inbox.send(match_id, message)


def wait_for_news(match_id: int, timeout: float) -> inbox.Message | None:
    """The next news of a remote match's holder (a move saved, the end), or None in time."""
    return inbox.wait_for_news(match_id, timeout)


async def async_wait_for_news(match_id: int, timeout: float) -> inbox.Message | None:
    """:func:`wait_for_news` in an event loop, holding no thread (with a broker only)."""
    return await inbox.async_wait_for_news(match_id, timeout)


def embedded() -> bool:
    """No broker: matches are held by threads of this process (the news too)."""
    return inbox.embedded()
