"""How tasks claim, keep and finish a piece of work, so that every step is safe to run twice.

A row being worked on carries ``worker``, ``claim`` (a token per attempt) and ``heartbeat``.
A task claims the row (locked with ``select_for_update(skip_locked=True)``: two workers never
both get it), works outside any transaction, beats the heartbeat now and then, and writes its
outcome only if its claim still holds. If its worker died, ``requeue_stuck_work`` finds the
stale heartbeat, gives the row a new state and enqueues it again; a late result of the old
attempt is then refused, so the outcome is recorded exactly once.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(task: Any, *args: Any) -> None:
    """Send the task when the current transaction commits: a worker never sees a row too early."""
    transaction.on_commit(lambda: task.delay(*args))


def claim(
    model: type[M],
    pk: int,
    states: Iterable[str],
    state_field: str,
    new_state: str,
    prepare: Callable[[M], None] | None = None,
) -> M | None:
    """Take the row if it is in one of ``states``; None if it is gone, taken or not ready."""
    with transaction.atomic():
        row = (
            model.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, **{f"{state_field}__in": list(states)})
            .first()
        )
        if row is None:
            return None
        setattr(row, state_field, new_state)
        row.worker = worker_name()
        row.claim = uuid.uuid4()
        row.heartbeat = timezone.now()
        fields = [state_field, "worker", "claim", "heartbeat"]
        if prepare is not None:
            before = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
            prepare(row)
            fields += [k for k, v in before.items() if getattr(row, k) != v and k not in fields]
        row.save(update_fields=fields)
        return row


def beat(row: models.Model, **fields: Any) -> bool:
    """Record a sign of life (and progress fields); False when the claim was taken back."""
    updated = (
        type(row)
        .objects.filter(pk=row.pk, claim=row.claim)
        .update(heartbeat=timezone.now(), **fields)
    )
    return updated == 1


class ClaimLost(Exception):
    """Our claim on the row was taken back (we were thought dead): stop, record nothing."""


def heartbeat(
    row: models.Model, interval: float, progress_field: str | None = None
) -> Callable[..., None]:
    """A callback for long work that beats the row's heartbeat at most every ``interval`` s.

    Called as ``callback(*args)``; with ``progress_field``, its first argument is saved there
    too. Raises :class:`ClaimLost` when the claim was taken back, which stops the work.
    """
    last = time.monotonic()

    def callback(*args: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < interval:
            return
        last = now
        fields = {progress_field: args[0]} if progress_field else {}
        if not beat(row, **fields):
            raise ClaimLost

    return callback


def finish(row: M, fields: Iterable[str], then: Callable[[M], None] | None = None) -> bool:
    """Save ``fields`` of ``row`` if its claim still holds; False (nothing saved) otherwise.

    ``then`` runs in the same transaction, so what follows from the outcome (a tournament's
    ranking) is saved with it or not at all.
    """
    with transaction.atomic():
        current = type(row).objects.select_for_update().filter(pk=row.pk, claim=row.claim).first()
        if current is None:
            return False
        row.claim = None
        row.heartbeat = timezone.now()
        row.save(update_fields=[*fields, "claim", "heartbeat"])
        if then is not None:
            then(row)
        return True
