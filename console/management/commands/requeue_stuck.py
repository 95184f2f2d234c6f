from __future__ import annotations

from django.core.management.base import BaseCommand

from core.pipeline import requeue_stuck_work
from duel_runner.sandboxes import remove_orphaned_containers


class Command(BaseCommand):
    help = (
        "Give back builds, validations and duels whose worker went silent, send again "
        "scheduled work nobody took (sending twice is harmless), and remove the sandbox "
        "containers this host's dead workers left."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            help="seconds without a sign of life (default: ARENA_STUCK_AFTER)",
        )

    def handle(self, *args, **options):
        counts = requeue_stuck_work(options["older_than"])
        counts["orphaned containers"] = remove_orphaned_containers()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
