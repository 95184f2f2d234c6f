"""``{% play_links competitor %}``: play against the competitor, and its owner's data set."""

from __future__ import annotations

from typing import Any

from django import template

from core.models import Competitor
from web.play.views import may_download_human_matches

register = template.Library()


@register.inclusion_tag("play/_links.html", takes_context=True)
def play_links(context: dict[str, Any], competitor: Competitor) -> dict[str, Any]:
    user = context["request"].user
    return {
        "competitor": competitor,
        "game": competitor.environment,
        "playable": competitor.latest_valid_revision() if competitor.environment.active else None,
        "user": user,
        "may_download": may_download_human_matches(user, competitor),
    }
