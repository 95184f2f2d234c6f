from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.models import Environment
from tournament_manager.services import schedule_tournament


class Command(BaseCommand):
    help = "Start a new edition of a game's tournament with every duel played again."

    def add_arguments(self, parser):
        parser.add_argument("game", help="the game's slug, e.g. connect-four")

    def handle(self, *args, **options):
        try:
            environment = Environment.objects.get(slug=options["game"])
        except Environment.DoesNotExist:
            known = ", ".join(Environment.objects.values_list("slug", flat=True))
            raise CommandError(f"no game {options['game']!r}; the games are: {known}") from None
        tournament = schedule_tournament(environment, replay=True)
        if tournament is None:
            raise CommandError(f"{environment.slug} has fewer than two valid competitors")
        self.stdout.write(
            f"{environment.slug}: edition {tournament.edition} "
            f"with {tournament.duels_total} duels queued"
        )
