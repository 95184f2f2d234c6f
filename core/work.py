"""How tasks claim, keep and finish a piece of work, so that every step is safe to run twice.

A row being worked on carries ``worker``, ``claim`` (a token per attempt) and ``heartbeat``.
A task claims the row (locked with ``select_for_update(skip_locked=True)``: two workers never
both get it), works outside any transaction, beats the heartbeat now and then, and writes its
outcome only if its claim still holds. If its worker died, the sweep
(:func:`core.pipeline.requeue_stuck_work`) finds the stale heartbeat, gives the row a new state
and sends it again; a late result of the old attempt is then refused, so the outcome is
recorded exactly once. Which task follows which outcome is :mod:`core.pipeline`'s to say.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from celery import Task
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from run_duel.docker_sandbox import this_process
from run_duel.errors import DuelAborted
from run_duel.text import cap, clean

M = TypeVar("M", bound=models.Model)


def worker_name() -> str:
    """``host:pid`` of this process: who holds a claimed row, as its sandboxes' label says."""
    return this_process()


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


class ClaimLost(DuelAborted):
    """Our claim on the row was taken back (we were thought dead): stop, record nothing.

    A :class:`~run_duel.errors.DuelAborted`, so it stops a duel from its keepalive hook.
    """


def heartbeat(
    row: models.Model, interval: float, progress_field: str | None = None
) -> Callable[..., None]:
    """A callback for long work that beats the row's heartbeat at most every ``interval`` s.

    Called as ``callback(*args)``; with ``progress_field``, its first argument is saved there
    too (a duel's ``progress``, between matches); without, it is a duel's ``keepalive``, after
    every move. Raises :class:`ClaimLost` when the claim was taken back, which stops the work.
    """
    last = time.monotonic()

    def callback(*args: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < interval:
            return
        last = now
        fields = {progress_field: args[0]} if progress_field and args else {}
        if not beat(row, **fields):
            raise ClaimLost

    return callback


def gave_up(attempts: int, error: str) -> str:
    """The final word on work the arena failed to do ``attempts`` times: ours, not theirs."""
    return cap(
        f"the arena failed to do this {attempts} times and gave up; this is not your "
        f"player's fault, a maintainer can run it again. Last error: {error or 'none'}"
    )


def storable(value: Any) -> Any:
    """``value`` with every string in it (JSON included) free of NUL and control characters.

    PostgreSQL refuses NUL in text and in JSON; what a player wrote must never make a save fail.
    """
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def finish(
    row: M,
    fields: Iterable[str],
    then: Callable[[M], None] | None = None,
    *,
    on_refused: Callable[[M, Exception], list[str]] | None = None,
) -> bool:
    """Save ``fields`` of ``row`` if its claim still holds; False (nothing saved) otherwise.

    ``then`` runs in the same transaction, so what follows from the outcome (a tournament's
    ranking) is saved with it or not at all. Text is made storable first. If the database
    still refuses the save, ``on_refused(row, error)`` sets a final state on ``row`` and
    returns the fields to save instead, so the row never stays claimed to be run again.
    """
    fields = list(fields)
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, (str, dict, list)):
            setattr(row, name, storable(value))
    try:
        return _save_claimed(row, fields, then)
    except DatabaseError as exc:
        if on_refused is None:
            raise
        return _save_claimed(row, on_refused(row, exc), then)


def _save_claimed(row: M, fields: list[str], then: Callable[[M], None] | None) -> bool:
    claim = row.claim
    with transaction.atomic():
        current = type(row).objects.select_for_update().filter(pk=row.pk, claim=claim).first()
        if current is None:
            return False
        row.claim = None
        row.heartbeat = timezone.now()
        try:
            row.save(update_fields=[*fields, "claim", "heartbeat"])
            if then is not None:
                then(row)
        except BaseException:
            row.claim = claim  # the transaction is rolled back: the claim still holds
            raise
        return True


# What a task may take beyond the longest honest run of its work: containers to create and
# remove, files to store.
TIME_LIMIT_GRACE = 120.0


class TimeBoundTask(Task):
    """A task sent with a time limit computed from its arguments (``limit_for(*args)``).

    The soft limit raises inside the work, which ends it as an arena error (retried, capped);
    the hard one, a little later, kills the process (the row is then taken back by the sweep,
    which counts it as an attempt). Either way no task holds a worker forever.
    """

    limit_for: Callable[..., float | None] | None = None

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        if args and self.limit_for is not None and "time_limit" not in options:
            limit = self.limit_for(*args)
            if limit is not None:
                options["soft_time_limit"] = limit + TIME_LIMIT_GRACE
                options["time_limit"] = limit + 2 * TIME_LIMIT_GRACE
        return super().apply_async(args, kwargs, **options)
