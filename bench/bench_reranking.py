"""Re-ranking cost: the duels a new edition needs after one new submission.

    python bench/bench_reranking.py [--competitors 50]

Builds, in a throwaway SQLite database, a game with N validated competitors whose
round-robin (N(N-1)/2 duels) is finished, then submits one more revision of one competitor
and schedules the next edition. Prints the duels it must play beside the full round robin,
and the time the scheduling took for each edition.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--competitors", type=int, default=50)
    n = parser.parse_args().competitors
    folder = tempfile.mkdtemp(prefix="arena-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        ARENA_VAR_DIR=folder,
        CELERY_BROKER_URL="",
        ARENA_DUEL_MATCHES="10",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from core.games import load_games
    from core.models import Competitor, Duel, Environment, Revision, User
    from tournament_manager.services import duel_finished, schedule_tournament

    call_command("migrate", verbosity=0)
    load_games()
    game = Environment.objects.get(slug="connect-four")
    owner = User.objects.create_user(username="bench", email="bench@example.com", password="x")

    def revision(competitor: Competitor, version: int) -> Revision:
        return Revision.objects.create(
            competitor=competitor,
            version=version,
            zip_file="none.zip",
            image_state=Revision.IMAGE_COMPLETED,
            test_state=Revision.TEST_COMPLETED,
        )

    competitors = [
        Competitor.objects.create(owner=owner, environment=game, name=f"c{i}") for i in range(n)
    ]
    for competitor in competitors:
        revision(competitor, 1)

    start = time.perf_counter()
    first = schedule_tournament(game, send=False)
    first_seconds = time.perf_counter() - start
    for duel in first.duels.all():  # every duel finished, the first player winning
        duel.state, duel.result = Duel.COMPLETED, "PLAYER_1_WIN"
        duel.save(update_fields=["state", "result"])
    duel_finished(first.duels.first())

    revision(competitors[0], 2)  # one new submission
    start = time.perf_counter()
    second = schedule_tournament(game, send=False)
    second_seconds = time.perf_counter() - start
    new = second.duels_total - second.duels_reused
    print(f"\nRe-ranking after one new submission among {n} competitors")
    print(
        f"  full round robin (edition 1): {first.duels_total} duels, "
        f"scheduled in {first_seconds:.2f} s"
    )
    print(
        f"  next edition: {second.duels_total} duels, {second.duels_reused} reused, {new} to play "
        f"({new / first.duels_total:.3f} x the full round robin), "
        f"scheduled in {second_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
