"""Submitting a player: the one way a zip becomes a revision (web form, API, demo, tests).

The zip is checked here, before anything is stored, so the uploader hears of a rejection at
once; the build then runs in a worker (sent by :func:`core.pipeline.advance`). The website's
limits on who may upload how often are the website's (:mod:`web.services`).
"""

from __future__ import annotations

from typing import IO

from django.core.files import File
from django.db import transaction
from django.db.models import Max

from builder.submission import SubmissionError, check_upload
from core import pipeline
from core.models import Competitor, Revision

__all__ = ["SubmissionError", "submit_revision"]


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
    check_upload(uploaded_file, pipeline.zip_limits())
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
