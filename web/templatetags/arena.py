from __future__ import annotations

from django import template

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
