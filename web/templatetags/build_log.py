"""The revision page's reading of build logs and errors (the rules are builder.build_log's)."""

from __future__ import annotations

from django import template

from builder.build_log import Section, sections
from web.logs import LOG_DISPLAY_CHARS, clip

register = template.Library()

# A failed revision's reason, on one line: the summary of its folded error.
SUMMARY_CHARS = 160


@register.filter
def build_sections(text: str, whole_at: str = "") -> list[Section]:
    """The build log (its beginning and end when long) as the arena's steps, in order."""
    return sections(clip(text or "", LOG_DISPLAY_CHARS, whole_at))


@register.filter
def error_summary(text: str) -> str:
    """The first line that says something of an error, cut to one line of a page."""
    line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1].rstrip() + "…"


@register.filter
def has_more_lines(text: str) -> bool:
    """Whether the error says more than its summary (then it is worth unfolding)."""
    return (
        len([line for line in (text or "").splitlines() if line.strip()]) > 1
        or len((text or "").strip()) > SUMMARY_CHARS
    )
