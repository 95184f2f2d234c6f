"""The Celery task that turns a submitted revision into a player image.

Thin on purpose: claim the row, copy the zip out of storage, call :mod:`builder.build`, save
the outcome (see :mod:`core.work` for why this is safe to run twice and after a crash).
A build that fails through the submission's fault is final; one that fails through the
arena's (Docker unreachable) goes back to the queue with a growing delay, a few times.
"""

from __future__ import annotations

import functools
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from builder.build import BuildOutcome, build_submission, unpack_for_process
from builder.image import BuildSettings
from core.models import Revision
from core.submissions import zip_limits
from core.work import ClaimLost, claim, enqueue, finish, heartbeat

log = logging.getLogger(__name__)

MAX_RETRIES = 5
SAVED_FIELDS = ["image_state", "image_name", "image_log", "image_error"]


def image_tag(revision: Revision) -> str:
    """``arena-player:<id>``, prefixed with the registry when workers pull from one."""
    registry = f"{settings.ARENA_REGISTRY}/" if settings.ARENA_REGISTRY else ""
    return f"{registry}{settings.ARENA_PLAYER_IMAGE_REPOSITORY}:{revision.pk}"


def build_settings(revision: Revision) -> BuildSettings:
    competitor = revision.competitor
    return BuildSettings(
        base_image=settings.ARENA_PLAYER_BASE_IMAGE,
        pip_index_url=settings.ARENA_PIP_INDEX_URL,
        pip_extra_index_url=settings.ARENA_PIP_EXTRA_INDEX_URL,
        pip_ca_bundle=Path(settings.ARENA_PIP_CA_BUNDLE) if settings.ARENA_PIP_CA_BUNDLE else None,
        wheelhouse=Path(settings.ARENA_WHEELHOUSE) if settings.ARENA_WHEELHOUSE else None,
        timeout=settings.ARENA_BUILD_TIMEOUT,
        labels={
            "org.rl-arena.revision": str(revision.pk),
            "org.rl-arena.revision-version": str(revision.version),
            "org.rl-arena.competitor": competitor.name,
            "org.rl-arena.game": competitor.environment.slug,
        },
    )


def retry_delay(retries: int) -> float:
    """Seconds before the next attempt after ``retries`` earlier ones: 10, 20, 40, 80, 160."""
    return min(600.0, 10.0 * 2**retries)


@shared_task(bind=True, acks_late=True, name="builder.tasks.build_revision")
def build_revision(self, revision_id: int) -> None:
    """Build the revision's image once; then its validation is scheduled."""

    def start(revision: Revision) -> None:
        revision.image_error = ""

    revision = claim(
        Revision,
        revision_id,
        [Revision.IMAGE_SCHEDULED],
        "image_state",
        Revision.IMAGE_RUNNING,
        prepare=start,
    )
    if revision is None:
        return
    try:
        outcome = _build(revision)
    except ClaimLost:
        log.warning("the build of revision %s was taken over by another worker", revision_id)
        return
    except Exception as exc:
        # A bug or a full disk: ours, so retried a few times like Docker being away, rather
        # than left running for requeue_stuck_work to send again forever.
        log.exception("building revision %s failed in the arena", revision_id)
        outcome = BuildOutcome(arena_error=f"the build failed in the arena ({exc})")
    revision.image_log = outcome.log
    if outcome.arena_error:
        _arena_failed(self, revision, outcome)
    elif outcome.error:
        revision.image_state = Revision.IMAGE_FAILED
        revision.image_error = outcome.error
        finish(revision, SAVED_FIELDS)
    else:
        revision.image_state = Revision.IMAGE_COMPLETED
        revision.image_name = outcome.image_name
        revision.test_state = Revision.TEST_SCHEDULED
        finish(revision, [*SAVED_FIELDS, "test_state"], then=_schedule_validation)


def _build(revision: Revision) -> BuildOutcome:
    from duel_runner.sandboxes import PROCESS_PREFIX, process_folder, sandbox_kind

    with tempfile.TemporaryDirectory(prefix="arena-zip-") as work:
        zip_path = Path(work) / "submission.zip"
        try:
            with revision.zip_file.open("rb") as stored, open(zip_path, "wb") as local:
                shutil.copyfileobj(stored, local)
        except FileNotFoundError:
            message = "the submitted zip is no longer in the arena's storage: submit it again"
            return BuildOutcome(log=f"arena: {message}\n", error=message)
        if sandbox_kind() == "process":
            outcome = unpack_for_process(zip_path, process_folder(revision), zip_limits())
            if outcome.built:
                outcome = BuildOutcome(
                    image_name=f"{PROCESS_PREFIX}{outcome.image_name}", log=outcome.log
                )
            return outcome
        return build_submission(
            zip_path,
            image_tag(revision),
            build_settings(revision),
            zip_limits(),
            on_output=heartbeat(revision, settings.ARENA_HEARTBEAT_INTERVAL),
            push=bool(settings.ARENA_REGISTRY),
        )


def _arena_failed(task: Any, revision: Revision, outcome: BuildOutcome) -> None:
    retries = task.request.retries or 0
    if retries < MAX_RETRIES:
        revision.image_state = Revision.IMAGE_SCHEDULED
        revision.image_error = ""
        if finish(revision, SAVED_FIELDS):
            delay = retry_delay(retries)
            log.warning(
                "building revision %s failed on the arena's side (attempt %s of %s), "
                "next try in %g s: %s",
                revision.pk,
                retries + 1,
                MAX_RETRIES + 1,
                delay,
                outcome.arena_error,
            )
            # Not task.retry(): run eagerly (the embedded demo) it raises Retry through the
            # submitter's code; a new message carrying the retry count does the same job.
            retry = functools.partial(
                build_revision.apply_async,
                args=[revision.pk],
                countdown=delay,
                retries=retries + 1,
            )
            transaction.on_commit(retry)
        return
    log.error(
        "building revision %s failed on the arena's side %s times; giving up: %s",
        revision.pk,
        retries + 1,
        outcome.arena_error,
    )
    revision.image_state = Revision.IMAGE_FAILED
    revision.image_error = (
        f"{outcome.arena_error}. That is the arena's fault, not your submission's: a "
        "maintainer was told. Submit it again later"
    )
    finish(revision, SAVED_FIELDS)


def _schedule_validation(revision: Revision) -> None:
    from duel_runner.tasks import validate_revision  # imported late: the runner imports us

    enqueue(validate_revision, revision.pk)
