from django.apps import AppConfig


class DuelRunnerConfig(AppConfig):
    name = "duel_runner"

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the apps are loaded.
        from core import pipeline
        from duel_runner import coach

        # A completed duel's blunder analysis is sent on commit (duel_runner/coach.py).
        pipeline.on_duel_finished(coach.duel_finished)
