from django.core.management.base import BaseCommand

from core.games import load_games


class Command(BaseCommand):
    help = "Create or refresh the games from environments/*/info.yml."

    def handle(self, *args, **options):
        changes = load_games()
        for row, change in changes:
            self.stdout.write(f"{row.slug}: {change}")
        if not changes:
            self.stdout.write("the games are up to date")
