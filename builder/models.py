"""What the builder app keeps of its own: the uploads its checks refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RefusedUpload(models.Model):
    """A zip the upload checks refused, counted by the upload rate limit.

    Checking a zip costs the site time, so a refused upload takes a slot of the hour as a
    stored one does (:func:`web.services.next_submission_at`): a participant cannot send
    hostile zips for free. Rows older than the hour are deleted as new ones come.
    """

    # The reason is the participant's message, which quotes names from the zip: bounded.
    MAX_REASON = 1000

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refused_uploads"
    )
    competitor = models.ForeignKey(
        "core.Competitor", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    reason = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["owner", "created"])]

    def __str__(self) -> str:
        return f"{self.owner} at {self.created:%Y-%m-%d %H:%M}: {self.reason[:60]}"
