"""System checks of the publishing settings: a bad link template fails at start-up, not in a
worker after the push."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def publish_check(app_configs, **kwargs):
    template = settings.ARENA_PUBLISH_URL_TEMPLATE
    if not template:
        return []
    try:
        template.format(sha="0" * 40, path="game/competitor")
    except (KeyError, IndexError, ValueError) as exc:
        return [
            Error(
                f"ARENA_PUBLISH_URL_TEMPLATE={template!r} cannot be filled in ({exc!r}).",
                hint="Use {sha} and optionally {path}, e.g. "
                "https://github.com/org/repo/commit/{sha}",
                id="arena.E101",
            )
        ]
    return []
