"""Submitting a player: the one way a zip becomes a revision (web form, API, demo, tests).

The zip is checked here, before anything is stored, so the uploader hears of a rejection at
once; the build then runs in a worker (sent by :func:`core.pipeline.advance`). The upload rate
limit is counted here too: stored revisions and refused zips alike, since checking a hostile
zip costs the site as much as storing a good one.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from builder.models import RefusedUpload
from builder.submission import SubmissionError, check_upload
from core import pipeline
from core.models import Competitor, Revision, User
from core.pipeline import zip_limits  # the upload checks' limits, also read from here

__all__ = [
    "SubmissionError",
    "UploadRateLimited",
    "check_counted_upload",
    "next_submission_at",
    "rate_limit_message",
    "rate_limited",
    "submit_revision",
    "zip_limits",
]

RATE_WINDOW = timedelta(hours=1)


class UploadRateLimited(Exception):
    """The owner's hour is full; the message says when to come back."""

    def __init__(self, at: datetime, refused: int = 0) -> None:
        super().__init__(rate_limit_message(at, refused))
        self.at = at


def _recent_uploads(user: User) -> tuple[list[datetime], int]:
    """The times of the user's latest uploads in the hour (at most the limit), and how many
    of those were refused."""
    limit = settings.ARENA_SUBMISSIONS_PER_HOUR
    since = timezone.now() - RATE_WINDOW

    def newest(rows: QuerySet) -> list[datetime]:
        return list(rows.order_by("-created").values_list("created", flat=True)[:limit])

    stored = newest(Revision.objects.filter(competitor__owner=user, created__gte=since))
    refused = newest(RefusedUpload.objects.filter(owner=user, created__gte=since))
    times = [(at, False) for at in stored] + [(at, True) for at in refused]
    counted = sorted(times, reverse=True)[:limit]
    return [at for at, _ in counted], sum(was_refused for _, was_refused in counted)


def rate_limited(user: User) -> UploadRateLimited | None:
    """Why the user may not upload now (when again, and how many of the hour's zips were
    refused), or None if they may: per rolling hour, refused zips included."""
    recent, refused = _recent_uploads(user)
    if len(recent) < settings.ARENA_SUBMISSIONS_PER_HOUR:
        return None
    # Once the limit-th most recent upload is an hour old, one more fits in the hour.
    return UploadRateLimited(recent[-1] + RATE_WINDOW, refused)


def next_submission_at(user: User) -> datetime | None:
    """When the user may upload again, or None if now."""
    limited = rate_limited(user)
    return None if limited is None else limited.at


def rate_limit_message(at: datetime, refused: int = 0) -> str:
    minutes = max(1, math.ceil((at - timezone.now()).total_seconds() / 60))
    limit = settings.ARENA_SUBMISSIONS_PER_HOUR
    uploaded = f"You uploaded {limit} revision{'s' if limit != 1 else ''} in the last hour"
    if refused:
        uploaded = (
            f"You uploaded {limit} zip{'s' if limit != 1 else ''} in the last hour, "
            f"{refused} of them refused"
        )
    return (
        f"{uploaded}, the most allowed: you can upload again at "
        f"{timezone.localtime(at):%H:%M} {timezone.get_current_timezone_name()}, in "
        f"{minutes} minute{'s' if minutes != 1 else ''}."
    )


def check_counted_upload(competitor: Competitor, uploaded_file: File | IO[bytes]) -> None:
    """The upload checks as the web form and the API run them, within the owner's rate limit.

    Raises :class:`UploadRateLimited` (without checking the zip) when the owner's hour is
    full, and :class:`SubmissionError` when the zip is refused; the refusal is recorded and
    takes a slot of the hour, so hammering the checks with hostile zips is not free.
    """
    owner = competitor.owner
    refusal: SubmissionError | None = None
    with transaction.atomic():
        # One check of a user at a time, so parallel uploads cannot all pass the limit.
        list(User.objects.select_for_update().filter(pk=owner.pk).values("pk"))
        limited = rate_limited(owner)
        if limited is not None:
            raise limited
        try:
            check_upload(_as_file(uploaded_file), zip_limits())
        except SubmissionError as exc:
            refusal = exc
            now = timezone.now()
            RefusedUpload.objects.filter(owner=owner, created__lt=now - RATE_WINDOW).delete()
            RefusedUpload.objects.create(
                owner=owner,
                competitor=competitor,
                created=now,
                reason=str(exc)[: RefusedUpload.MAX_REASON],
            )
    # Raised once the refusal is committed: inside the block it would be rolled back.
    if refusal is not None:
        raise refusal


def _as_file(uploaded_file: File | IO[bytes]) -> File:
    if isinstance(uploaded_file, File):
        return uploaded_file
    return File(uploaded_file, name=getattr(uploaded_file, "name", None))


def submit_revision(competitor: Competitor, uploaded_file: File | IO[bytes]) -> Revision:
    """Store the zip as the competitor's next revision and schedule its build.

    Raises :class:`SubmissionError`, whose message is for the participant, when the zip
    cannot be used (not a zip, too large, no player.py, a malformed environment.yml...).
    """
    uploaded_file = _as_file(uploaded_file)
    check_upload(uploaded_file, zip_limits())
    uploaded_file.seek(0)
    with transaction.atomic():
        # Locked, so two uploads at the same moment get consecutive versions.
        competitor = Competitor.objects.select_for_update().get(pk=competitor.pk)
        latest = competitor.revisions.aggregate(latest=Max("version"))["latest"] or 0
        revision = Revision(competitor=competitor, version=latest + 1)
        # The storage names the file (upload_to); the participant's file name is not used.
        revision.zip_file.save("submission.zip", uploaded_file, save=False)
        try:
            revision.save()
        except BaseException:
            revision.zip_file.delete(save=False)
            raise
        pipeline.advance(revision)  # its build
    return revision
