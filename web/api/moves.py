"""The move endpoint's limits, per API token and over the whole arena, kept in the database.

In the database rather than in a cache: the web runs several processes (and the embedded
mode has no cache server), and they must all count the same moves. Three limits, because a
move costs a worker a sandbox start: moves per minute per token, moves in flight per token
(asked for and not answered yet), and moves in flight over the whole arena, so a few tokens
cannot fill the moves queue for everyone.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import ApiMove, ApiToken, Revision

WINDOW = timedelta(minutes=1)
# A started move is over within its game's start-up and move deadlines; past this, whatever
# happened to its worker, it no longer counts as in flight.
RUN_LIMIT = timedelta(minutes=5)
# Answered moves are kept this long for their poll address, then deleted.
KEEP = timedelta(hours=1)


class MoveRateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class TooManyMovesInFlight(Exception):
    """The token (``mine`` True) or the whole arena has as many moves in flight as allowed."""

    def __init__(self, mine: bool, limit: int) -> None:
        super().__init__(f"{limit} moves in flight")
        self.mine, self.limit = mine, limit


def expires_after() -> float:
    """Seconds a move waits for a worker before it is dropped, unstarted."""
    return settings.ARENA_API_MOVE_EXPIRES


def in_flight() -> QuerySet[ApiMove]:
    """Moves not answered yet that may still be: waiting for a worker, or being computed."""
    now = timezone.now()
    waiting = Q(started__isnull=True, created__gt=now - timedelta(seconds=expires_after()))
    running = Q(started__gt=now - RUN_LIMIT)
    return ApiMove.objects.filter(Q(outcome__isnull=True) & (waiting | running))


def start_move(token: ApiToken, revision: Revision) -> ApiMove:
    """Count one move for the token and record it, or raise if a limit is reached.

    Raises :class:`MoveRateLimited` when the token's minute is full, and
    :class:`TooManyMovesInFlight` when the token's or the arena's moves in flight are at
    their limit (these count no move: nothing was asked of a worker).
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked: two requests of a token at once cannot both take its last slot. The overall
        # count is not locked: concurrent requests of different tokens may pass it together,
        # by at most the number of web threads.
        row = ApiToken.objects.select_for_update().get(pk=token.pk)
        if row.move_window_start is None or now - row.move_window_start >= WINDOW:
            row.move_window_start, row.move_count = now, 0
        if row.move_count >= settings.ARENA_API_MOVES_PER_MINUTE:
            left = (row.move_window_start + WINDOW - now).total_seconds()
            raise MoveRateLimited(max(1, math.ceil(left)))
        mine = settings.ARENA_API_MOVES_IN_FLIGHT_PER_TOKEN
        if in_flight().filter(token=row).count() >= mine:
            raise TooManyMovesInFlight(mine=True, limit=mine)
        everyone = settings.ARENA_API_MOVES_IN_FLIGHT
        if in_flight().count() >= everyone:
            raise TooManyMovesInFlight(mine=False, limit=everyone)
        row.move_count += 1
        row.save(update_fields=["move_window_start", "move_count"])
        # Moves answered (or lost) long ago, everyone's: an indexed, usually empty, delete.
        ApiMove.objects.filter(created__lt=now - KEEP).delete()
        return ApiMove.objects.create(token=row, revision=revision, created=now)


def is_expired(move: ApiMove) -> bool:
    """No worker took the move in time: it will never be computed."""
    waited = (timezone.now() - move.created).total_seconds()
    return move.outcome is None and move.started is None and waited > expires_after()
