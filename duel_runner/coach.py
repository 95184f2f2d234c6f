"""The coach on the platform: each completed duel's blunder analysis, computed once and kept.

A duel's end runs the pipeline's duel-finished hooks in the transaction that records it;
:func:`duel_finished` (registered by this app) only sends :func:`analyse_duel` on commit, so
the analysis can neither delay nor roll back the duel's outcome. The task is thin: it takes
the duel's :class:`~core.models.DuelAnalysis` row, reads the duel JSON, calls the pure
:func:`run_duel.coach.analyse` within ``ARENA_COACH_SECONDS_PER_DUEL`` and saves the result.

Idempotent and bounded: a row already done (in the current format) is left alone, a row
another worker holds is left to it unless its start is older than the duel's budget allows,
and after :data:`MAX_ATTEMPTS` starts the row is marked failed and never tried again. Any
error is recorded on the row (the site says "analysis failed"), never raised: the duel stays
what it is.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core import pipeline
from core.models import Duel, DuelAnalysis
from environments.solver import Verdict, solver
from run_duel import coach

log = logging.getLogger(__name__)

ANALYSE_DUEL = "duel_runner.coach.analyse_duel"
MAX_ATTEMPTS = 2
# Analyses the sweep sends again at once, at most: a backlog drains over several beats.
RESEND_BATCH = 200
# Verdicts by position, per game, shared by the duels a worker process analyses (the same
# openings come back in every duel); cleared past this many to bound the memory.
CACHE_LIMIT = 500_000
_caches: dict[str, dict[str, Verdict]] = {}


def duel_finished(duel: Duel) -> None:
    """The duel-finished hook: a completed duel of a game with a solver gets analysed (the
    task is sent on commit). Must not fail: it runs in the transaction of the duel's end."""
    try:
        if duel.state != Duel.COMPLETED or settings.ARENA_COACH_SECONDS_PER_DUEL <= 0:
            return
        if solver(duel.environment.slug) is None:
            return
        # The row first, in the duel's own transaction: if the task is lost (a worker or the
        # broker dies before it runs), the sweep below finds the row pending and sends it again.
        with transaction.atomic():  # a savepoint: a failure here leaves the duel's work intact
            DuelAnalysis.objects.get_or_create(duel=duel)
        pipeline.send(ANALYSE_DUEL, duel.pk)
    except Exception:  # the coach is an extra: a bug here must not lose a duel's outcome
        log.exception("cannot send the analysis of duel %s", duel.pk)


@shared_task(name="duel_runner.coach.resend_unfinished_analyses", ignore_result=True)
def resend_unfinished_analyses() -> int:
    """Beat: send again the analyses whose task was lost or whose worker died mid-way.

    A row pending or running for longer than a run can take, with starts left, is sent again
    (its task takes it back or gives it up, see :func:`_take`); the attempts bound the work, so
    a duel whose analysis kills its worker is tried :data:`MAX_ATTEMPTS` times, not forever.
    """
    if settings.ARENA_COACH_SECONDS_PER_DUEL <= 0:
        return 0
    cutoff = timezone.now() - _stale_after()
    stale = Q(state=DuelAnalysis.PENDING, duel__finished__lt=cutoff) | Q(
        state=DuelAnalysis.RUNNING, started__lt=cutoff
    )
    ids = list(
        DuelAnalysis.objects.filter(stale, attempts__lt=MAX_ATTEMPTS)
        .order_by("pk")
        .values_list("duel_id", flat=True)[:RESEND_BATCH]
    )
    for duel_id in ids:
        pipeline.send(ANALYSE_DUEL, duel_id)
    if ids:
        log.warning("sent again the analysis of %s duels whose task did not end", len(ids))
    return len(ids)


def _stale_after() -> timedelta:
    # A run takes the duel's budget and the reading and saving around it.
    return timedelta(seconds=2 * settings.ARENA_COACH_SECONDS_PER_DUEL + 120)


def _take(duel_id: int) -> DuelAnalysis | None:
    """The duel's analysis row, marked RUNNING by this call, or None when there is nothing to
    do (not a completed duel, done already, held by another worker, or given up)."""
    duel = Duel.objects.filter(pk=duel_id, state=Duel.COMPLETED).first()
    if duel is None:
        return None
    # IntegrityError: created at the same moment by another worker; it is there now.
    with contextlib.suppress(IntegrityError):
        DuelAnalysis.objects.get_or_create(duel=duel)
    with transaction.atomic():
        analysis = DuelAnalysis.objects.select_for_update().get(duel=duel)
        if analysis.state == DuelAnalysis.DONE and analysis.format == coach.FORMAT:
            return None
        if analysis.state == DuelAnalysis.FAILED and analysis.attempts >= MAX_ATTEMPTS:
            return None
        now = timezone.now()
        held = analysis.state == DuelAnalysis.RUNNING and analysis.started is not None
        if held and now - analysis.started < _stale_after():
            return None
        if analysis.attempts >= MAX_ATTEMPTS:
            analysis.state = DuelAnalysis.FAILED
            analysis.error = analysis.error or "the analysis was started too often without ending"
            analysis.finished = now
            analysis.save(update_fields=["state", "error", "finished"])
            return None
        analysis.attempts += 1
        analysis.state = DuelAnalysis.RUNNING
        analysis.started = now
        analysis.save(update_fields=["attempts", "state", "started"])
    analysis.duel = duel
    return analysis


def _read_record(duel: Duel) -> dict[str, Any]:
    with duel.record_file.open("rb") as file:
        record: dict[str, Any] = json.load(file)
    return record


@shared_task(name=ANALYSE_DUEL, ignore_result=True)
def analyse_duel(duel_id: int) -> str:
    """Compute and keep the coach's analysis of a completed duel; returns the row's state."""
    analysis = _take(duel_id)
    if analysis is None:
        row = DuelAnalysis.objects.filter(duel_id=duel_id).values_list("state", flat=True)
        return row.first() or "NOTHING"
    duel = analysis.duel
    slug = duel.environment.slug
    try:
        record = _read_record(duel)
        cache = _caches.setdefault(slug, {})
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        data = coach.analyse(
            slug,
            record,
            seconds=settings.ARENA_COACH_SECONDS_PER_DUEL,
            position_seconds=settings.ARENA_COACH_SECONDS_PER_POSITION,
            cache=cache,
        )
    except Exception as exc:
        log.exception("the analysis of duel %s failed", duel_id)
        analysis.state = DuelAnalysis.FAILED
        analysis.error = f"{type(exc).__name__}: {exc}"[:2000]
        analysis.finished = timezone.now()
        analysis.save(update_fields=["state", "error", "finished"])
        return analysis.state
    positions = data.pop("positions")
    counts = {1: 0, 2: 0}
    for blunder in data["blunders"]:
        counts[blunder["mover"]] += blunder["count"]
    analysis.report = data
    analysis.positions = positions
    analysis.format = coach.FORMAT
    analysis.blunders_1, analysis.blunders_2 = counts[1], counts[2]
    analysis.state = DuelAnalysis.DONE
    analysis.error = ""
    analysis.finished = timezone.now()
    analysis.save()
    return analysis.state
