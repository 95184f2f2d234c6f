from __future__ import annotations

from django import template

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
