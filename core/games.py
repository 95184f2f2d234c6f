"""Keeps the Environment rows in step with the games of ``environments/``."""

from __future__ import annotations

import dataclasses

import environments
from core.models import Environment

# Every info.yml field the Environment row mirrors (the slug is its key).
FIELDS = tuple(
    field.name
    for field in dataclasses.fields(environments.GameInfo)
    if field.name not in ("slug", "static_dir", "play")
)


def load_games() -> list[tuple[Environment, str]]:
    """Create or update a row per game; games no longer shipped are deactivated, not deleted."""
    changes = []
    for slug in environments.slugs():
        info = environments.info(slug)
        values = {field: getattr(info, field) for field in FIELDS}
        row, created = Environment.objects.get_or_create(
            slug=slug, defaults={**values, "active": True}
        )
        if created:
            changes.append((row, "added"))
            continue
        changed = [field for field, value in values.items() if getattr(row, field) != value]
        if changed or not row.active:
            for field in changed:
                setattr(row, field, values[field])
            row.active = True
            row.save(update_fields=[*changed, "active"])
            changes.append((row, "updated: " + ", ".join(changed or ["active"])))
    for row in Environment.objects.filter(active=True).exclude(slug__in=environments.slugs()):
        row.active = False
        row.save(update_fields=["active"])
        changes.append((row, "deactivated"))
    return changes
