from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Give back builds, validations and duels whose worker went silent, and send again "
        "scheduled work nobody took (sending twice is harmless)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            help="seconds without a sign of life (default: ARENA_STUCK_AFTER)",
        )

    def handle(self, *args, **options):
        from tournament_manager.services import requeue_stuck_work

        counts = requeue_stuck_work(options["older_than"])
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
