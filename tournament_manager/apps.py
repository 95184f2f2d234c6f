from __future__ import annotations

from django.apps import AppConfig


class TournamentManagerConfig(AppConfig):
    name = "tournament_manager"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the apps are loaded.
        from core import pipeline
        from tournament_manager import services

        # Each duel's end updates the rankings that hold it, in the transaction recording it.
        pipeline.on_duel_finished(services.duel_finished)
