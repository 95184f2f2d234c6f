"""Markdown to HTML that is safe to show: rendered, then cleaned by an allow-list."""

from __future__ import annotations

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    html = _markdown.markdown(text, extensions=["tables", "fenced_code"])
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="nofollow noopener"))
