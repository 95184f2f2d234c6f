from __future__ import annotations

from django.core.management.base import BaseCommand

from builder.player_images import prune_player_images


class Command(BaseCommand):
    help = (
        "Remove this host's images of superseded revisions (no longer their competitor's "
        "latest valid one, and needed by no duel, validation, human match or API move). Beat "
        "does it every ARENA_PRUNE_INTERVAL seconds on one worker; run it on the other hosts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list the revisions, remove nothing"
        )
        parser.add_argument(
            "--registry-tags",
            action="store_true",
            help="print only the registry's repository:tag of superseded revisions, one a "
            "line, for its garbage collection (DEPLOY.md); remove nothing",
        )

    def handle(self, *args, **options):
        if options["registry_tags"]:
            for tag in prune_player_images(dry_run=True, registry_only=True).registry_tags:
                self.stdout.write(tag)
            return
        report = prune_player_images(dry_run=options["dry_run"])
        verb = "would prune" if options["dry_run"] else "pruned"
        for revision_id in report.pruned:
            self.stdout.write(f"{verb} the image of revision {revision_id}")
        for revision_id in report.kept_in_use:
            self.stdout.write(f"kept the image of revision {revision_id}: a container uses it")
        self.stdout.write(report.summary())
