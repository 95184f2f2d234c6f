"""Errors raised by the environments package."""

from __future__ import annotations

from typing import Any


class InvalidActionError(ValueError):
    """An action that the rules do not allow in the current state.

    It is the mover's fault (an arena turns it into a ``PLAYER_n_ERROR``), so
    ``str(e)`` is a full sentence meant for the participant who sent it, e.g.
    ``action 9 is not valid in tic-tac-toe: there is no cell 9 (cells are 0-8)``.

    Attributes:
        action: the offending action as it was given (not necessarily an
            ``int`` when the action was not an integer at all).
        reason: why it is invalid, e.g. ``column 3 is full``.
        slug: the game it was played in.
    """

    action: Any
    reason: str
    slug: str

    def __init__(self, action: Any, reason: str, slug: str = "") -> None:
        self.action = action
        self.reason = reason
        self.slug = slug
        where = f" in {slug}" if slug else ""
        super().__init__(f"action {_show(action)} is not valid{where}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the attributes across pickling (e.g. when raised in a worker process).
        return (type(self), (self.action, self.reason, self.slug))


class UnknownEnvironmentError(LookupError):
    """A slug that names no environment of this package."""

    slug: str
    known: tuple[str, ...]

    def __init__(self, slug: str, known: tuple[str, ...]) -> None:
        self.slug = slug
        self.known = known
        names = ", ".join(known) if known else "none"
        super().__init__(f"unknown environment {slug!r}; known environments: {names}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.slug, self.known))


class GameInfoError(ValueError):
    """A game's ``info.yml`` is missing, unreadable or has a missing/bad field."""


def _show(action: Any) -> str:
    # Integers read best bare ("action 9"); anything else shows its repr so that
    # "3" and 3 or 2.5 and 2 are told apart. A hostile object could have a huge or
    # failing repr: keep the message bounded and always constructible.
    if type(action) is int:
        return str(action)
    try:
        text = repr(action)
    except Exception:
        text = f"<{type(action).__name__} object>"
    if len(text) > 60:
        text = text[:57] + "..."
    return text
