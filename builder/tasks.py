"""The Celery task that turns a submitted revision into a player image.

Thin on purpose: claim the row, copy the zip out of storage, call :mod:`builder.build`, save
the outcome (see :mod:`core.work` for why this is safe to run twice and after a crash).
A build that fails through the submission's fault is final; one that fails through the
arena's (Docker unreachable) goes back to the queue with a growing delay, until the revision
used ``ARENA_MAX_BUILD_ATTEMPTS`` (each claim is one, a worker that died during it too).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings

from builder.build import BuildOutcome, build_submission, unpack_for_process
from builder.image import LOG_HEAD, LOG_TAIL, BuildSettings, capped_log
from builder.player_images import registry_auth
from builder.submission import ZipLimits
from core import pipeline
from core.models import Revision
from core.pipeline import zip_limits
from core.sandbox import process_folder, sandbox_kind
from core.work import TIME_LIMIT_GRACE, ClaimLost, beat, claim, finish
from run_duel.channel import CappedLog
from run_duel.text import cap, clean

log = logging.getLogger(__name__)

# A build error quotes pip and the participant's requirement lines: enough to act on.
ERROR_CHARS = 4000
SAVED_FIELDS = ["image_state", "image_name", "sandbox", "image_log", "image_error"]
# How often at most a running build saves its log for the revision page (and beats).
LIVE_LOG_SECONDS = 1.0


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
        torch_index_url=settings.ARENA_TORCH_INDEX_URL,
        timeout=settings.ARENA_BUILD_TIMEOUT,
        memory=settings.ARENA_BUILD_MEMORY,
        disk=settings.ARENA_BUILD_DISK,
        cpus=settings.ARENA_BUILD_CPUS,
        pids=settings.ARENA_BUILD_PIDS,
        labels={
            "org.rl-arena.revision": str(revision.pk),
            "org.rl-arena.revision-version": str(revision.version),
            "org.rl-arena.competitor": competitor.name,
            "org.rl-arena.game": competitor.environment.slug,
        },
    )


# The build has its own deadline (all steps together); the task's limits only catch what
# hangs around it (copying the zip, pushing), so no build holds a worker forever.
@shared_task(
    acks_late=True,
    name="builder.tasks.build_revision",
    soft_time_limit=settings.ARENA_BUILD_TIMEOUT + 2 * TIME_LIMIT_GRACE,
    time_limit=settings.ARENA_BUILD_TIMEOUT + 3 * TIME_LIMIT_GRACE,
)
def build_revision(revision_id: int) -> None:
    """Build the revision's image once; the pipeline then sends it to its validation."""

    def start(revision: Revision) -> None:
        revision.image_error = ""
        revision.image_log = ""  # an earlier attempt's: this one's streams in its place
        revision.image_attempts += 1

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
    # Capped (head and tail) whatever the build printed; finish() strips NUL and the like.
    revision.image_log = capped_log(outcome.log)
    outcome = dataclasses.replace(outcome, error=cap(outcome.error, ERROR_CHARS))
    if outcome.arena_error:
        _arena_failed(revision, outcome)
    elif outcome.error:
        revision.image_state = Revision.IMAGE_FAILED
        revision.image_error = outcome.error
        finish(revision, SAVED_FIELDS, then=pipeline.revision_finished)
    else:
        revision.image_state = Revision.IMAGE_COMPLETED
        revision.image_name = outcome.image_name
        revision.image_digest = outcome.image_digest  # what the workers run (by digest)
        revision.test_state = Revision.TEST_SCHEDULED
        finish(revision, [*SAVED_FIELDS, "image_digest", "test_state"], then=pipeline.advance)


class LiveLog:
    """The build's output, saved to the revision as it comes, so that its page shows it live.

    Kept with the build log's caps (its head and tail); saved at most every ``every`` seconds,
    and at once when the arena starts a step of its own (an ``arena:`` line), which is when a
    long silence of pip may follow. Each save beats the heartbeat and checks the claim: a
    build whose revision was taken back stops (:class:`ClaimLost`), and its output never
    overwrites the new attempt's.
    """

    def __init__(self, revision: Revision, every: float = LIVE_LOG_SECONDS) -> None:
        self.revision = revision
        self.every = every
        self.log = CappedLog(head=LOG_HEAD, tail=LOG_TAIL)
        self.saved = 0.0
        self.pending = False

    def __call__(self, text: str) -> None:
        self.log.write(text.encode("utf-8", "replace"))
        self.pending = True
        now = time.monotonic()
        if now - self.saved >= self.every or "arena: " in text:
            self.saved = now
            self.pending = False
            if not beat(self.revision, image_log=clean(self.log.text())):
                raise ClaimLost


def _build(revision: Revision) -> BuildOutcome:
    with tempfile.TemporaryDirectory(prefix="arena-zip-") as work:
        zip_path = Path(work) / "submission.zip"
        try:
            with revision.zip_file.open("rb") as stored, open(zip_path, "wb") as local:
                shutil.copyfileobj(stored, local)
        except FileNotFoundError:
            message = "the submitted zip is no longer in the arena's storage: submit it again"
            return BuildOutcome(log=f"arena: {message}\n", error=message)
        if sandbox_kind() == Revision.SANDBOX_PROCESS:
            # image_name is then the unpacked folder, run as a local process (saved on success).
            revision.sandbox = Revision.SANDBOX_PROCESS
            return unpack_for_process(zip_path, process_folder(revision), ZipLimits(**zip_limits()))
        revision.sandbox = Revision.SANDBOX_DOCKER
        return build_submission(
            zip_path,
            image_tag(revision),
            build_settings(revision),
            ZipLimits(**zip_limits()),
            on_output=LiveLog(revision),
            push=bool(settings.ARENA_REGISTRY),
            registry_auth=registry_auth(),
        )


def _arena_failed(revision: Revision, outcome: BuildOutcome) -> None:
    attempts = revision.image_attempts
    if pipeline.may_retry(pipeline.BUILDS, attempts):
        revision.image_state = Revision.IMAGE_SCHEDULED
        revision.image_error = ""
        if finish(revision, SAVED_FIELDS):
            delay = pipeline.retry(pipeline.BUILDS, revision.pk, attempts)
            log.warning(
                "building revision %s failed on the arena's side (attempt %s of %s), "
                "next try in %g s: %s",
                revision.pk,
                attempts,
                settings.ARENA_MAX_BUILD_ATTEMPTS,
                delay,
                outcome.arena_error,
            )
        return
    log.error(
        "building revision %s failed on the arena's side %s times; giving up: %s",
        revision.pk,
        attempts,
        outcome.arena_error,
    )
    revision.image_state = Revision.IMAGE_FAILED
    revision.image_error = cap(
        f"{outcome.arena_error}. That is the arena's fault, not your submission's: a "
        "maintainer was told. Submit it again later",
        ERROR_CHARS,
    )
    finish(revision, SAVED_FIELDS, then=pipeline.revision_finished)
