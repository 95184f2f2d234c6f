from __future__ import annotations

from django import template
from django.conf import settings

from arena import results
from core.models import Environment
from tournament_manager.services import duel_length
from web.logs import ERROR_DISPLAY_CHARS, clip
from web.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text or "")


@register.filter
def state_label(state: str) -> str:
    """IMAGE_COMPLETED -> completed, TEST_FAILED -> failed."""
    return (state or "").rsplit("_", 1)[-1].lower()


@register.filter
def percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


@register.filter
def clip_log(text: str, whole_at: str = "") -> str:
    """A long log's beginning and end, with where the whole log is (web.logs.clip)."""
    return clip(text, whole_at=whole_at)


@register.filter
def clip_error(text: str, limit: int = ERROR_DISPLAY_CHARS) -> str:
    """A long error message's beginning and end (a list of revisions shows less of each)."""
    return clip(text, int(limit))


# The one vocabulary of results (arena.results): the same formats as the API's clients, the
# `arena` command and the demo's terminal.


@register.filter
def rating(value: float | None) -> str:
    """The conservative rating (mu - 3 sigma) with one decimal, a dash when unrated."""
    return results.format_rating(value)


@register.filter
def score(value: float | None) -> str:
    """A score, the sum of rewards: no decimals when whole."""
    return results.format_score(value)


@register.filter
def sure(participant) -> str:
    """How sure the ranking is that a leaderboard row belongs above the next one: "97%",
    "\u224879%" when the two are tied, a dash for the last row."""
    return results.format_confidence(participant.next_confidence, participant.next_separated)


@register.filter
def sure_percent(confidence: float) -> str:
    """A confidence alone, without the tie mark: "79%"."""
    return results.format_sure(confidence)


@register.simple_tag
def confidence_threshold() -> str:
    """The confidence below which neighbours are shown as tied, in percent ("95%")."""
    return f"{settings.ARENA_CONFIDENCE_THRESHOLD * 100:g}%"


@register.simple_tag
def wdl(wins: int, draws: int, losses: int) -> str:
    """Wins, draws, losses in the arena's one order: 3-1-0."""
    return results.format_wdl(wins, draws, losses)


@register.simple_tag
def meaning(field: str) -> str:
    """A result's one-line meaning, for a column's title."""
    return results.MEANINGS[field]


@register.simple_tag
def duel_matches(game: Environment) -> int:
    """The matches per duel this arena actually plays (ARENA_DUEL_MATCHES may shorten them)."""
    return duel_length(game)
