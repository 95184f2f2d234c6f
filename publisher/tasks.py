"""The Celery task that publishes a validated revision's source to the arena's git repository.

Thin on purpose: claim the row, unpack its zip, call :func:`publisher.git.publish_folder`,
save the outcome. There is no running state: the claim token alone says which attempt may
record the outcome, and publishing is idempotent by content (the same folder twice is no new
commit), so a duplicate message or a second worker does no harm. A private competitor's
revision is never pushed. A repository out of reach is tried again with a growing delay, a
few times, before the revision is marked PUBLISH_FAILED.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings

from builder.submission import SubmissionError, ZipLimits, unpack_submission
from core import pipeline
from core.models import Revision
from core.pipeline import zip_limits
from core.work import claim, finish
from publisher.git import (
    Published,
    PublishError,
    Remote,
    commit_link,
    commit_message,
    publish_folder,
)

log = logging.getLogger(__name__)

SAVED_FIELDS = ["publish_state", "publish_url", "publish_error"]


def remote() -> Remote:
    return Remote(
        url=settings.ARENA_PUBLISH_REPOSITORY,
        branch=settings.ARENA_PUBLISH_BRANCH,
        ssh_key=settings.ARENA_PUBLISH_SSH_KEY,
        author_name=settings.ARENA_PUBLISH_AUTHOR_NAME,
        author_email=settings.ARENA_PUBLISH_AUTHOR_EMAIL,
        timeout=settings.ARENA_PUBLISH_TIMEOUT,
    )


def cache_root() -> Path:
    return Path(settings.VAR_DIR) / "publisher"


@shared_task(bind=True, acks_late=True, name="publisher.tasks.publish_revision")
def publish_revision(self, revision_id: int) -> None:
    """Publish the revision's source once, if its competitor is public and it passed validation."""
    # Read before claiming: the claim token is the one builds and validations use, and only
    # a validated revision (TEST_COMPLETED is final) has none of theirs left to overwrite.
    public = (
        Revision.objects.filter(
            pk=revision_id,
            publish_state=Revision.PUBLISH_SCHEDULED,
            test_state=Revision.TEST_COMPLETED,
        )
        .values_list("competitor__is_public", flat=True)
        .first()
    )
    if public is None:
        return
    if public and not settings.ARENA_PUBLISH_REPOSITORY:
        return  # publishing is off: it waits, and `manage.py publish_pending` sends it later
    revision = claim(
        Revision,
        revision_id,
        [Revision.PUBLISH_SCHEDULED],
        "publish_state",
        Revision.PUBLISH_SCHEDULED,
    )
    if revision is None:
        return
    if not revision.competitor.is_public:  # read again under the claim
        revision.publish_state = Revision.PUBLISH_SKIPPED
        revision.publish_url = revision.publish_error = ""
        finish(revision, SAVED_FIELDS)
        return
    if not settings.ARENA_PUBLISH_REPOSITORY:
        finish(revision, [])  # made public meanwhile, and publishing is off: it waits
        return

    retries = self.request.retries or 0
    try:
        published = _publish(revision)
    except PublishError as exc:
        _failed(revision, str(exc), exc.transient, retries)
        return
    except Exception as exc:
        # A bug or a full disk: ours, so retried like an unreachable repository.
        log.exception("publishing revision %s failed in the arena", revision_id)
        _failed(revision, f"publishing failed in the arena ({exc})", True, retries)
        return
    _record(revision, published)


def _publish(revision: Revision) -> Published:
    competitor = revision.competitor
    game = competitor.environment.slug
    with tempfile.TemporaryDirectory(prefix="arena-publish-") as work:
        zip_path = Path(work) / "submission.zip"
        try:
            with revision.zip_file.open("rb") as stored, open(zip_path, "wb") as local:
                shutil.copyfileobj(stored, local)
        except FileNotFoundError:
            raise PublishError("the submitted zip is no longer in the arena's storage") from None
        try:
            # The folder is the zip as submitted: its LICENSE and README included, nothing added.
            source = unpack_submission(zip_path, Path(work) / "source", ZipLimits(**zip_limits()))
        except SubmissionError as exc:
            raise PublishError(f"the submitted zip cannot be unpacked: {exc}") from exc
        message = commit_message(
            competitor.name,
            revision.version,
            game,
            competitor.owner.username,
            revision.created,
            revision.pk,
            (revision.test_duel or {}).get("num_matches"),
        )
        return publish_folder(
            remote(), cache_root(), source, f"{game}/{competitor.name}", message, revision.pk
        )


def _record(revision: Revision, published: Published) -> None:
    competitor = revision.competitor
    link = commit_link(
        settings.ARENA_PUBLISH_URL_TEMPLATE,
        settings.ARENA_PUBLISH_REPOSITORY,
        published.sha,
        f"{competitor.environment.slug}/{competitor.name}",
    )
    if published.superseded:
        revision.publish_state = Revision.PUBLISH_SKIPPED
        revision.publish_url = ""
        revision.publish_error = (
            f"a later revision of {competitor.name} was published first: {link}"
        )
    else:
        revision.publish_state = Revision.PUBLISH_COMPLETED
        revision.publish_url = link
        revision.publish_error = ""
    if finish(revision, SAVED_FIELDS):
        log.info(
            "revision %s: %s %s",
            revision.pk,
            "published as" if published.changed else "already published by",
            published.sha,
        )


def _failed(revision: Revision, reason: str, transient: bool, retries: int) -> None:
    attempts = retries + 1  # this one included
    if transient and pipeline.may_retry(pipeline.PUBLISHING, attempts):
        if finish(revision, []):  # gives the claim back; the row stays PUBLISH_SCHEDULED
            # The new message carries the count (Celery's retries): the row keeps none.
            delay = pipeline.retry(pipeline.PUBLISHING, revision.pk, attempts)
            log.warning(
                "publishing revision %s failed (attempt %s of %s), next try in %g s: %s",
                revision.pk,
                attempts,
                pipeline.PUBLISHING.max_attempts(),
                delay,
                reason,
            )
        return
    tries = f" (tried {attempts} times)" if transient else ""
    log.error("publishing revision %s failed%s: %s", revision.pk, tries, reason)
    revision.publish_state = Revision.PUBLISH_FAILED
    revision.publish_url = ""
    revision.publish_error = f"{reason}{tries}"
    finish(revision, SAVED_FIELDS)
