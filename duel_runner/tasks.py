"""Celery tasks that make players play: validating a revision and running a duel; the tasks
of human matches (:mod:`duel_runner.human_matches`) and API moves (:mod:`duel_runner.moves`)
live in modules of their own, imported here so that Celery's autodiscovery finds them.

Thin on purpose: load the row, claim it, call :func:`run_duel.run_duel`, save the outcome
(see :mod:`core.work` for why this is safe to run twice and after a crash) and tell
:mod:`core.pipeline`, which sends what comes next. Also the clean-up of the sandboxes that
dead workers of this host left behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from core import pipeline
from core.models import Duel, Revision
from core.work import ClaimLost, TimeBoundTask, claim, finish, gave_up, heartbeat
from duel_runner import coach, human_matches, live, moves  # noqa: F401 (their tasks, for Celery)
from duel_runner.sandboxes import open_revision, remove_orphaned_containers
from run_duel import run_duel
from run_duel.duel import ERROR, duel_time_limit
from run_duel.stopping import Stopping

log = logging.getLogger(__name__)


def _first_error(record: dict[str, Any]) -> str:
    return record["error_msg"] or next(
        (m["error_msg"] for m in record["matches"] if m["error_msg"]), "the duel failed"
    )


def stopping_rule(mode: str) -> Stopping:
    """The early-stop rule a duel recorded as played under ``mode``, with the arena's SPRT
    parameters (core/settings.py)."""
    return Stopping(
        mode,
        alpha=settings.ARENA_SPRT_ALPHA,
        beta=settings.ARENA_SPRT_BETA,
        elo0=-settings.ARENA_SPRT_ELO,
        elo1=settings.ARENA_SPRT_ELO,
        min_matches=settings.ARENA_SPRT_MIN_MATCHES,
    )


def _validation_time_limit(revision_id: int) -> float | None:
    slug = (
        Revision.objects.filter(pk=revision_id)
        .values_list("competitor__environment__slug", flat=True)
        .first()
    )
    return None if slug is None else duel_time_limit(slug, settings.ARENA_VALIDATION_MATCHES)


def _duel_time_limit(duel_id: int) -> float | None:
    row = Duel.objects.filter(pk=duel_id).values_list("environment__slug", "num_matches").first()
    return None if row is None else duel_time_limit(*row)


_VALIDATION_FIELDS = ["test_state", "test_error", "test_log_1", "test_log_2", "test_duel"]


@shared_task(
    acks_late=True,
    name="duel_runner.tasks.validate_revision",
    base=TimeBoundTask,
    limit_for=staticmethod(_validation_time_limit),
)
def validate_revision(revision_id: int) -> None:
    """The revision plays a short duel against itself; any error in it rejects the revision."""

    def start(revision: Revision) -> None:
        revision.test_attempts += 1

    revision = claim(
        Revision,
        revision_id,
        [Revision.TEST_SCHEDULED],
        "test_state",
        Revision.TEST_RUNNING,
        prepare=start,
    )
    if revision is None:
        return
    slug = revision.competitor.environment.slug
    interval = settings.ARENA_HEARTBEAT_INTERVAL
    try:
        with contextlib.ExitStack() as stack:
            copies = [open_revision(revision, f"player {n}", stack) for n in (1, 2)]
            record = run_duel(
                slug,
                copies[0],
                copies[1],
                settings.ARENA_VALIDATION_MATCHES,
                progress=heartbeat(revision, interval),
                keepalive=heartbeat(revision, interval),
            )
    except ClaimLost:
        log.warning("validation of revision %s was taken over by another worker", revision_id)
        return
    revision.test_log_1, revision.test_log_2 = copies[0].log.text(), copies[1].log.text()
    revision.test_duel = {k: v for k, v in record.items() if k != "matches"}
    if record["result"] == ERROR:
        if pipeline.may_retry(pipeline.VALIDATIONS, revision.test_attempts):
            # The arena failed, not the player: validate again later.
            revision.test_state = Revision.TEST_SCHEDULED
            revision.test_error = ""
            if finish(revision, _VALIDATION_FIELDS, on_refused=validation_refused):
                log.warning(
                    "validation of revision %s hit an arena error (attempt %s): %s",
                    revision_id,
                    revision.test_attempts,
                    record["error_msg"],
                )
                pipeline.retry(pipeline.VALIDATIONS, revision_id, revision.test_attempts)
            return
        revision.test_state = Revision.TEST_FAILED
        revision.test_error = gave_up(revision.test_attempts, record["error_msg"] or "")
        finish(
            revision,
            _VALIDATION_FIELDS,
            then=pipeline.revision_finished,
            on_refused=validation_refused,
        )
        return
    failed = record["player_1_errors"] or record["player_2_errors"]
    revision.test_state = Revision.TEST_FAILED if failed else Revision.TEST_COMPLETED
    revision.test_error = _first_error(record) if failed else ""
    # A valid revision goes on to the publisher (which skips a private competitor's).
    finish(
        revision,
        _VALIDATION_FIELDS,
        then=pipeline.revision_finished,  # the owner told; a valid one sent on to publishing
        on_refused=validation_refused,
    )


def validation_refused(revision: Revision, exc: Exception) -> list[str]:
    """The database refused the outcome: the revision still ends, failed, with the reason."""
    log.error("could not store the validation of revision %s: %s", revision.pk, exc)
    revision.test_state = Revision.TEST_FAILED
    revision.test_error = gave_up(1, f"its result could not be stored ({type(exc).__name__})")
    return ["test_state", "test_error"]


@shared_task(
    acks_late=True,
    name="duel_runner.tasks.run_duel",
    base=TimeBoundTask,
    limit_for=staticmethod(_duel_time_limit),
)
def run_duel_task(duel_id: int) -> None:
    """Play a duel (a tournament's or a challenge) and record its result once."""

    def start(duel: Duel) -> None:
        duel.attempts += 1
        duel.started = timezone.now()
        duel.matches_done = 0

    duel = claim(Duel, duel_id, [Duel.SCHEDULED], "state", Duel.RUNNING, prepare=start)
    if duel is None:
        return
    revisions = Revision.objects.select_related("competitor__environment")
    duel.revision_1 = revisions.get(pk=duel.revision_1_id)
    duel.revision_2 = revisions.get(pk=duel.revision_2_id)
    try:
        with contextlib.ExitStack() as stack:
            players = [
                open_revision(revision, f"player {n}", stack, **{"org.rl-arena.duel": str(duel.pk)})
                for n, revision in ((1, duel.revision_1), (2, duel.revision_2))
            ]
            # Spectators read the duel's events from the live channel, never from here.
            spectators = stack.enter_context(live.Publisher(live.channel(), duel.pk))
            interval = settings.ARENA_HEARTBEAT_INTERVAL
            record = run_duel(
                duel.environment.slug,
                players[0],
                players[1],
                duel.num_matches,
                # Two beats, each throttled on its own: progress is saved between matches, a
                # sign of life after every move, and neither hides the other.
                progress=heartbeat(duel, interval, "matches_done"),
                on_event=spectators,
                keepalive=heartbeat(duel, interval),
                stopping=stopping_rule(duel.early_stop),
            )
    except ClaimLost:
        log.warning("duel %s was taken over by another worker", duel_id)
        return
    if record["result"] == ERROR and pipeline.may_retry(pipeline.DUELS, duel.attempts):
        duel.state = Duel.SCHEDULED
        duel.error_msg = record["error_msg"] or ""
        if finish(duel, ["state", "error_msg"]):
            log.warning(
                "duel %s hit an arena error (attempt %s): %s",
                duel_id,
                duel.attempts,
                duel.error_msg,
            )
            pipeline.retry(pipeline.DUELS, duel_id, duel.attempts, **pipeline.duel_options(duel))
        return
    _record_outcome(duel, record, players[0].log.text(), players[1].log.text())


def _record_outcome(duel: Duel, record: dict[str, Any], log_1: str, log_2: str) -> None:
    duel.state = Duel.FAILED if record["result"] == ERROR else Duel.COMPLETED
    duel.finished = timezone.now()
    duel.matches_done = len(record["matches"])
    duel.stopped = record.get("stopped") or ""
    duel.result = record["result"]
    duel.error_msg = record["error_msg"] or ""
    for key in Duel.COUNTERS:
        setattr(duel, key, record[key])
    # Files first, under names no other attempt uses; the row says which ones count.
    stem = f"{duel.pk}-{duel.claim.hex[:8]}"
    duel.record_file.save(f"{stem}.json", ContentFile(json.dumps(record).encode()), save=False)
    duel.log_1.save(f"{stem}-1.log", ContentFile(log_1.encode()), save=False)
    duel.log_2.save(f"{stem}-2.log", ContentFile(log_2.encode()), save=False)
    fields = [
        "state", "finished", "matches_done", "stopped", "result", "error_msg", *Duel.COUNTERS,
        "record_file", "log_1", "log_2",
    ]  # fmt: skip
    # The rankings that hold the duel change in the same transaction (the pipeline's hooks).
    if not finish(duel, fields, then=pipeline.duel_finished, on_refused=duel_refused):
        for field in (duel.record_file, duel.log_1, duel.log_2):
            field.delete(save=False)


def duel_refused(duel: Duel, exc: Exception) -> list[str]:
    """The database refused the outcome: the duel still ends, failed, and is ranked as such."""
    log.error("could not store the outcome of duel %s: %s", duel.pk, exc)
    duel.state = Duel.FAILED
    duel.result = ERROR
    reason = f"its result could not be stored ({type(exc).__name__})"
    duel.error_msg = gave_up(duel.attempts, reason)
    return ["state", "finished", "result", "error_msg"]


@shared_task(name="duel_runner.tasks.clean_up_after_dead_workers")
def clean_up_after_dead_workers() -> int:
    """Remove the sandbox containers of this host's dead worker processes (beat, and when a
    worker starts); how many went."""
    removed = remove_orphaned_containers()
    if removed:
        log.warning("removed %s sandbox containers left by dead workers", removed)
    return removed


@worker_ready.connect
def _clean_up_when_ready(**kwargs: Any) -> None:
    clean_up_after_dead_workers()
