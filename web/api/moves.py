"""The move endpoint's rate limit, per API token, kept in the database.

In the database rather than in a cache: the web runs several processes (and the embedded
mode has no cache server), and they must all count the same moves.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from web.api.models import ApiToken

WINDOW = timedelta(minutes=1)


class MoveRateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def take_move_slot(token: ApiToken) -> None:
    """Count one move for the token, or raise :class:`MoveRateLimited` if its minute is full."""
    now = timezone.now()
    with transaction.atomic():
        # Locked: two requests at once cannot both take the last slot.
        row = ApiToken.objects.select_for_update().get(pk=token.pk)
        if row.move_window_start is None or now - row.move_window_start >= WINDOW:
            row.move_window_start, row.move_count = now, 0
        if row.move_count >= settings.ARENA_API_MOVES_PER_MINUTE:
            left = (row.move_window_start + WINDOW - now).total_seconds()
            raise MoveRateLimited(max(1, math.ceil(left)))
        row.move_count += 1
        row.save(update_fields=["move_window_start", "move_count"])
