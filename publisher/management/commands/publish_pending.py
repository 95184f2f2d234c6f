"""Send every public, validated revision that waits to be published (after turning it on)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import pipeline
from core.models import Revision


class Command(BaseCommand):
    help = (
        "Send to the publisher every validated revision of a public competitor that waits "
        "(PUBLISH_SCHEDULED), oldest first: those left while ARENA_PUBLISH_REPOSITORY was empty."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="also try again the revisions whose publishing failed (PUBLISH_FAILED)",
        )

    def handle(self, *args, **options):
        if not settings.ARENA_PUBLISH_REPOSITORY:
            raise CommandError("publishing is off: set ARENA_PUBLISH_REPOSITORY first")
        waiting = Revision.objects.filter(
            test_state=Revision.TEST_COMPLETED, competitor__is_public=True
        )
        with transaction.atomic():
            retried = 0
            if options["retry_failed"]:
                retried = waiting.filter(publish_state=Revision.PUBLISH_FAILED).update(
                    publish_state=Revision.PUBLISH_SCHEDULED, publish_error=""
                )
            ids = list(
                waiting.filter(publish_state=Revision.PUBLISH_SCHEDULED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            # Oldest first: each competitor's folder ends with its latest revision.
            for pk in ids:
                pipeline.send(pipeline.PUBLISH, pk)
        note = f" ({retried} of them had failed)" if retried else ""
        plural = "" if len(ids) == 1 else "s"
        self.stdout.write(f"sent {len(ids)} revision{plural} to publish{note}")
