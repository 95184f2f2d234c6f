"""The embedded demo: the whole arena on one machine, no server software needed.

Loads the games, submits the example players (and a broken one), builds and validates
them, runs a tournament per game with its progress, prints the leaderboards, then serves
the site on 127.0.0.1:8000 with uvicorn, as the web container does (unless --no-serve).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from arena import results
from core import pipeline
from core.games import load_games
from core.models import Competitor, Environment, Revision, User
from core.sandbox import sandbox_kind
from duel_runner.sandboxes import remove_orphaned_containers, remove_own_containers
from duel_runner.tasks import run_duel_task
from run_duel.stopping import SPRT
from tournament_manager import services
from web.services import submit_revision

EXAMPLES = Path(settings.BASE_DIR) / "example_players"
# (owner, competitor name, folder, games)
ENTRANTS = [
    ("ada", "minimax", EXAMPLES / "minimax", None),
    ("grace", "random", EXAMPLES / "random", None),
    ("alan", "dummy", EXAMPLES / "dummy", None),
    ("mallory", "broken", EXAMPLES / "hostile" / "import_error", ["tic-tac-toe"]),
]
DEMO_PASSWORD = "arena-demo"
log = logging.getLogger(__name__)


def zip_folder(folder: Path) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return SimpleUploadedFile(
        f"{folder.name}.zip", buffer.getvalue(), content_type="application/zip"
    )


class Command(BaseCommand):
    help = "Run the embedded demo: submissions, builds, validation, tournaments, leaderboards."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="stop after the leaderboards")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="where to serve the site")

    def handle(self, *args, **options):
        if settings.CELERY_BROKER_URL:
            raise CommandError("the demo runs without a broker: unset CELERY_BROKER_URL")
        try:
            kind = sandbox_kind()
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        # What an earlier demo, killed while it served, left behind.
        remove_orphaned_containers()
        if kind == "process":
            self.stdout.write(
                self.style.WARNING(
                    "No Docker engine answers: players run as local processes, WITHOUT isolation. "
                    "Fine for the example players; start Docker to sandbox real submissions."
                )
            )
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}; sandbox: {kind}")
        self.use_mail_folder()
        call_command("migrate", verbosity=0, interactive=False)
        load_games()
        # Early stopping is off on a new arena (the 2019 rules); the demo turns it on to show
        # what it saves: duels end once decided, or once the SPRT tells the better player.
        Environment.objects.filter(active=True).update(early_stop=SPRT)
        self.submit_examples()
        self.planned = self.played = 0
        for environment in Environment.objects.filter(active=True):
            self.run_tournament(environment)
        if self.planned:
            self.stdout.write(
                f"\nEarly stop ({SPRT}): {self.played} of {self.planned} planned matches played, "
                f"{self.planned - self.played} saved ({100 * self.played // self.planned}%)"
            )
        self.addr = options["addr"]  # the scoring page's address in the leaderboards
        for environment in Environment.objects.filter(active=True):
            self.print_leaderboard(environment)
        if not options["no_serve"]:
            self.stdout.write(
                f"\nServing on http://{options['addr']}/ : the games and their leaderboards, "
                "every duel and its replays. Sign up to submit your own agent, or log in as "
                f"ada@example.com / {DEMO_PASSWORD} (also the admin, at /admin/). "
                "Ctrl-C stops it."
            )
            self.keep_scheduling(settings.CELERY_BEAT_SCHEDULE["schedule-tournaments"]["schedule"])
            try:
                self.serve(options["addr"])
            finally:
                # Duels and human matches may still hold sandboxes in this process's threads.
                remove_own_containers()

    def serve(self, addr: str) -> None:
        """The site as production serves it: the ASGI application under uvicorn, so that a
        live duel's spectators are coroutines, not threads (the pages run in Django's threads).
        Ctrl-C stops it."""
        import uvicorn

        from core.asgi import application

        host, _, port = addr.rpartition(":")
        try:
            uvicorn.run(application, host=host or "127.0.0.1", port=int(port), log_level="warning")
        except ValueError as exc:
            raise CommandError(f"--addr {addr}: give host:port, e.g. 127.0.0.1:8000") from exc

    def keep_scheduling(self, interval: float) -> threading.Thread:
        """Beat's job while the site is served: a new valid submission forms a new edition,
        whose duels run here, one after the other, and can be watched live from the site
        (tasks run in this process, so the live channel is this process's memory)."""

        def loop() -> None:
            while True:
                time.sleep(interval)
                try:
                    pipeline.requeue_stuck_work()
                    remove_orphaned_containers()
                    services.schedule_all()
                except Exception:
                    log.exception("the demo's scheduler failed; it tries again")
                finally:
                    close_old_connections()

        thread = threading.Thread(target=loop, name="demo-scheduler", daemon=True)
        thread.start()
        return thread

    def use_mail_folder(self) -> None:
        """The mails the arena sends (notifications, password resets) go to files in var/mail/
        rather than the terminal, where a dozen of them would bury the demo's progress.

        Webhooks may go to this machine too: the demo is where one tries a receiver out."""
        settings.ARENA_WEBHOOK_ALLOW_LOOPBACK = True
        if settings.ARENA_SMTP_HOST:
            return  # a real mail server was given: use it
        folder = Path(settings.VAR_DIR) / "mail"
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(folder)
        self.stdout.write(f"Mails to participants: written to {folder}/, one file each")

    def submit_examples(self) -> None:
        self.stdout.write("\nSubmissions (build, then validation by self-play):")
        for owner_name, name, folder, games in ENTRANTS:
            owner, created = User.objects.get_or_create(
                email=f"{owner_name}@example.com",
                defaults={
                    "username": owner_name,
                    "is_staff": owner_name == "ada",
                    "is_superuser": owner_name == "ada",
                },
            )
            if created:
                owner.set_password(DEMO_PASSWORD)
                owner.save()
            for environment in Environment.objects.filter(active=True):
                if games and environment.slug not in games:
                    continue
                competitor, _ = Competitor.objects.get_or_create(
                    environment=environment, name=name, defaults={"owner": owner, "is_public": True}
                )
                if competitor.revisions.exists():
                    revision = competitor.revisions.first()
                else:
                    self.stdout.write(f"  {environment.slug:<13} {name:<8} ...", ending="")
                    self.stdout.flush()
                    revision = submit_revision(competitor, zip_folder(folder))
                    revision.refresh_from_db()
                self.stdout.write(f"\r  {environment.slug:<13} {name:<8} {self.describe(revision)}")

    def describe(self, revision: Revision) -> str:
        if revision.image_state == Revision.IMAGE_FAILED:
            return self.style.ERROR(f"build failed: {revision.image_error}")
        if revision.test_state == Revision.TEST_FAILED:
            first_line = revision.test_error.splitlines()[0] if revision.test_error else ""
            return self.style.WARNING(f"rejected: {first_line}")
        if revision.test_state == Revision.TEST_COMPLETED:
            return self.style.SUCCESS("valid")
        return f"{revision.image_state.lower()}, {revision.test_state.lower()}"

    def run_tournament(self, environment: Environment) -> None:
        tournament = (
            services.schedule_tournament(environment, send=False) or environment.tournaments.first()
        )
        if tournament is None:
            self.stdout.write(
                f"\n{environment.name}: fewer than two valid competitors, no tournament"
            )
            return
        self.stdout.write(
            f"\n{environment.name}, edition {tournament.edition}: {tournament.duels_total} duels "
            f"of {services.duel_length(environment)} matches"
        )
        for link in tournament.tournamentduel_set.select_related(
            "duel__revision_1__competitor", "duel__revision_2__competitor"
        ):
            duel = link.duel
            run_duel_task(duel.pk)
            duel.refresh_from_db()
            tournament.refresh_from_db()
            done, total = tournament.duels_done, tournament.duels_total
            bar = "#" * (20 * done // total) + "." * (20 - 20 * done // total)
            # Matches W-D-L from player 1's side, errors counted as the opponent's wins, as
            # on the duel's page (arena.results).
            won_1, won_2 = duel.matches_won
            wdl = results.format_wdl(won_1, duel.draws, won_2)
            stopped = f"; {duel.stopped_because}" if duel.stopped else ""
            self.stdout.write(
                f"  [{bar}] {done}/{total}  {duel.revision_1.competitor.name} vs "
                f"{duel.revision_2.competitor.name}: {duel.result or duel.state.lower()} "
                f"(matches W-D-L {wdl}){stopped}"
            )
            sys.stdout.flush()
            if not link.reused:
                self.planned += duel.num_matches
                self.played += duel.matches_done
        # Tied neighbours' extra duels were sent as the round robin ended, and ran at once
        # (the embedded mode has no broker): say what they were.
        for link in tournament.tournamentduel_set.filter(extra=True).select_related(
            "duel__revision_1__competitor", "duel__revision_2__competitor"
        ):
            duel = link.duel
            won_1, won_2 = duel.matches_won
            self.stdout.write(
                f"  extra duel between tied neighbours: {duel.revision_1.competitor.name} vs "
                f"{duel.revision_2.competitor.name}: {duel.result or duel.state.lower()} "
                f"(matches W-D-L {results.format_wdl(won_1, duel.draws, won_2)})"
            )

    addr = "127.0.0.1:8000"
    planned = played = 0  # matches of the duels this run played, planned and played

    def print_leaderboard(self, environment: Environment) -> None:
        tournament = environment.tournaments.first()
        if tournament is None:
            return
        self.stdout.write(
            f"\n{environment.name} leaderboard "
            f"(edition {tournament.edition}, {tournament.state.lower()})"
        )
        self.stdout.write(
            f"  {results.RANKED_BY} (http://{self.addr}/games/{environment.slug}/scoring/)"
        )
        participants = tournament.participants.select_related(
            "revision__competitor__owner"
        ).order_by("rank", "pk")
        rows = [
            results.leaderboard_row(
                p.rank,
                f"{p.revision.competitor.name} v{p.revision.version}",
                p.revision.competitor.owner.username,
                p.points,
                p.wins,
                p.draws,
                p.losses,
                p.total_score,
                p.rating,
                p.next_confidence,
                p.next_separated,
            )
            for p in participants
        ]
        for line in results.table(results.LEADERBOARD_HEADER, rows):
            self.stdout.write(f"  {line}")
