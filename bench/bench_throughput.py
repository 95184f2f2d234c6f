"""Duel throughput: duels per minute with 1 and with 2 Celery worker processes.

    python bench/bench_throughput.py [--duels 12] [--matches 200]

Real services: a throwaway PostgreSQL database (arena_bench on DATABASE_URL's server), Redis
database 14, Docker, `celery worker` processes. Each duel is random against random at
tic-tac-toe in the Docker sandbox. The 1-worker run is the baseline of the ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import EXAMPLE_PLAYERS, ROOT, player_image

SERVER = os.environ.get("ARENA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("ARENA_BENCH_BROKER", "redis://127.0.0.1:6379/14")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duels", type=int, default=12)
    parser.add_argument("--matches", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DATABASE_URL": f"{SERVER}/arena_bench",
        "CELERY_BROKER_URL": BROKER,
        "ARENA_VAR_DIR": str(folder),
        "ARENA_SECRET_KEY": "bench",
        "ARENA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS arena_bench")
        admin.execute("CREATE DATABASE arena_bench")
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from core.games import load_games
    from core.models import Competitor, Duel, Environment, Revision, User
    from duel_runner.tasks import run_duel_task
    from run_duel.docker_sandbox import docker_client

    call_command("migrate", verbosity=0)
    load_games()
    redis.Redis.from_url(BROKER).flushdb()
    image = player_image(docker_client(), EXAMPLE_PLAYERS / "random")
    game = Environment.objects.get(slug="tic-tac-toe")
    owner = User.objects.create_user(username="bench", email="bench@example.com", password="x")
    revisions = [
        Revision.objects.create(
            competitor=Competitor.objects.create(owner=owner, environment=game, name=f"r{i}"),
            version=1,
            zip_file="none.zip",
            image_name=image,
            image_state=Revision.IMAGE_COMPLETED,
            test_state=Revision.TEST_COMPLETED,
        )
        for i in (1, 2)
    ]

    def run(workers: int) -> float:
        duels = [
            Duel.objects.create(
                environment=game,
                revision_1=revisions[0],
                revision_2=revisions[1],
                rules_version=game.rules_version,
                num_matches=args.matches,
            )
            for _ in range(args.duels)
        ]
        for duel in duels:
            run_duel_task.delay(duel.pk)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "core", "worker", "-n", f"bench{i}@%h",
                 "--concurrency", "1", "--without-gossip", "--without-mingle",
                 "--loglevel", "WARNING"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]  # fmt: skip
        try:
            ids = [d.pk for d in duels]
            while Duel.objects.filter(pk__in=ids, state=Duel.RUNNING).count() == 0:
                time.sleep(0.05)
            start = time.perf_counter()  # from the first duel under way: worker start-up excluded
            while Duel.objects.filter(pk__in=ids).exclude(state=Duel.COMPLETED).exists():
                time.sleep(0.1)
            return time.perf_counter() - start
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait()

    one = run(1)
    two = run(2)
    per_minute = [args.duels / seconds * 60 for seconds in (one, two)]
    print(f"\nThroughput: {args.duels} tic-tac-toe duels of {args.matches} matches, Docker sandbox")
    print(f"  1 worker : {one:6.1f} s  {per_minute[0]:6.1f} duels/min  (baseline)")
    print(
        f"  2 workers: {two:6.1f} s  {per_minute[1]:6.1f} duels/min  "
        f"{per_minute[1] / per_minute[0]:.2f} x"
    )


if __name__ == "__main__":
    main()
