"""A private competitor whose every private text carries a marker, and a walk of the URLs.

Shared by the API's and the pages' privacy tests (tests/api/test_privacy.py,
tests/web/test_private_pages.py): whatever a stranger or an anonymous visitor reads, the
marker must be nowhere in it; its owner must find it somewhere, so the walk can fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver

from core.models import (
    ApiMove,
    ApiToken,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentParticipant,
    User,
)
from tests.platform import factories

MARKER = "PRIVATE-MARKER-7f3a"
TAIL = f"\n--- last lines of player 1's log ---\nTraceback: {MARKER} in my secret code"


@dataclass
class HiddenWorld:
    """The values of every URL parameter, for the private competitor's things."""

    values: dict[str, list[Any]]


def _record(tail: str) -> dict[str, Any]:
    match = {
        "result": "PLAYER_1_ERROR",
        "error_msg": f"player 1 raised ValueError: boom in step() of match 1{tail}",
        "first_player": "player_1",
        "player_1_score": -1.0,
        "player_2_score": 1.0,
        "states": [[0.0] * 9 + [1.0], [1.0] + [0.0] * 8 + [2.0]],
    }
    return {
        "environment": "tic-tac-toe",
        "rules_version": 1,
        "result": "PLAYER_2_WIN",
        "error_msg": f"player 1 failed to start: ImportError{tail}",
        "num_matches": 2,
        "player_1_errors": 2,
        "player_2_errors": 0,
        "other_errors": 0,
        "player_1_wins": 0,
        "player_2_wins": 0,
        "draws": 0,
        "player_1_score": -2.0,
        "player_2_score": 2.0,
        "matches": [match, {**match, "first_player": "player_2"}],
    }


def hidden_world(owner: User) -> HiddenWorld:
    """The owner's private tic-tac-toe competitor ``secretive``: a failed build, a failed
    validation and a valid revision that played a public competitor, all quoting MARKER."""
    secretive = factories.competitor(name="secretive", owner=owner, is_public=False)
    factories.valid_revision(
        secretive,
        image_state=Revision.IMAGE_FAILED,
        test_state=Revision.TEST_PENDING,
        image_name="",
        image_error=f"pip failed: {MARKER}",
        image_log=f"Collecting {MARKER}\n" * 3,
    )
    factories.valid_revision(
        secretive,
        test_state=Revision.TEST_FAILED,
        test_error=f"player 1 raised ValueError: {MARKER} in step() of match 1{TAIL}",
        test_log_1=f"player 1 says {MARKER}",
        test_log_2=f"player 2 says {MARKER}",
        test_duel={k: v for k, v in _record(TAIL).items() if k != "matches"},
    )
    valid = factories.valid_revision(secretive, test_log_1=MARKER, image_log=MARKER)
    opponent = factories.valid_revision(factories.competitor(name="open-book", is_public=True))
    game = Environment.objects.get(slug="tic-tac-toe")
    record = _record(TAIL)
    duel = Duel.objects.create(
        environment=game,
        revision_1=valid,
        revision_2=opponent,
        rules_version=1,
        num_matches=2,
        matches_done=2,
        state=Duel.COMPLETED,
        result=record["result"],
        error_msg=record["error_msg"],
        **{key: record[key] for key in Duel.COUNTERS},
    )
    duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(record).encode()), False)
    duel.log_1.save(f"{duel.pk}-1.log", ContentFile(f"my log: {MARKER}".encode()), False)
    duel.log_2.save(f"{duel.pk}-2.log", ContentFile(b"open book's log"), False)
    duel.save()
    tournament = Tournament.objects.create(environment=game, edition=1, duels_total=1)
    for rank, revision in enumerate((opponent, valid), start=1):
        TournamentParticipant.objects.create(tournament=tournament, revision=revision, rank=rank)
    token = ApiToken.objects.filter(user=owner).first()
    if token is None:
        ApiToken.create_for(owner)
        token = ApiToken.objects.get(user=owner)
    failed = {"kind": "player", "error": "raised ValueError in start()", "log_tail": MARKER}
    move = ApiMove.objects.create(token=token, revision=valid, outcome=failed)
    return HiddenWorld(
        values={
            "slug": [game.slug],
            "name": [secretive.name],
            "version": [1, 2, 3],
            "edition": [1],
            "pk": [duel.pk],
            "number": [1, 2],
            "move_id": [move.pk],
            "username": [owner.username],
            "which": ["build", "validation-1", "validation-2"],
            "side": [1, 2],
        }
    )


def addresses(
    patterns: list[URLPattern | URLResolver], values: dict[str, list[Any]], prefix: str = "/"
) -> Iterator[tuple[str, str, set[str]]]:
    """(route, address, unknown parameters) for every pattern and every combination of values;
    a pattern with a parameter ``values`` lacks comes once, with its unknown parameters."""
    import itertools

    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from addresses(pattern.url_patterns, values, prefix + route)
            continue
        if route.startswith("^"):  # a regular expression: the API's catch-all 404
            continue
        names = list(pattern.pattern.converters)
        unknown = {name for name in names if name not in values}
        if unknown:
            yield prefix + route, "", unknown
            continue
        for combination in itertools.product(*(values[name] for name in names)):
            address = prefix + route
            for name, value in zip(names, combination, strict=True):
                converter = pattern.pattern.converters[name]
                address = _fill(address, name, converter.to_url(value))
            yield prefix + route, address, set()


def _fill(route: str, name: str, value: str) -> str:
    import re

    return re.sub(rf"<(?:\w+:)?{name}>", value, route, count=1)


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")
