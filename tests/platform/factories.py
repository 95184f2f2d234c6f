"""Rows for platform tests, made the way the arena makes them."""

from __future__ import annotations

import itertools
from pathlib import Path

from core.models import Competitor, Environment, Revision, User

_numbers = itertools.count(1)


def user(name: str | None = None, **fields) -> User:
    name = name or f"user{next(_numbers)}"
    return User.objects.create_user(
        username=name, email=f"{name}@example.com", password="pw", **fields
    )


def competitor(
    game: str = "tic-tac-toe", name: str | None = None, owner: User | None = None, **fields
) -> Competitor:
    return Competitor.objects.create(
        environment=Environment.objects.get(slug=game),
        name=name or f"bot{next(_numbers)}",
        owner=owner or user(),
        **fields,
    )


def valid_revision(comp: Competitor | None = None, **fields) -> Revision:
    """A revision as if built and validated (no image: for tests that never play it)."""
    comp = comp or competitor()
    version = comp.revisions.count() + 1
    values = {
        "zip_file": f"submissions/none-{comp.pk}-{version}.zip",
        "image_state": Revision.IMAGE_COMPLETED,
        "test_state": Revision.TEST_COMPLETED,
        **fields,
    }
    return Revision.objects.create(competitor=comp, version=version, **values)


def submit(
    folder: Path, game: str = "tic-tac-toe", name: str | None = None, owner: User | None = None
) -> Revision:
    """Submit an example player's folder as a zip, through the real submission path."""
    from console.management.commands.arena_demo import zip_folder
    from web.services import submit_revision

    comp = Competitor.objects.filter(environment__slug=game, name=name).first() if name else None
    comp = comp or competitor(game, name, owner)
    return submit_revision(comp, zip_folder(folder))
