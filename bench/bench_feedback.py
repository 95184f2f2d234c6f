"""Upload to validated: how long a participant waits for their revision's verdict.

    python bench/bench_feedback.py --before TREE [--rounds 3]

``TREE`` is a checkout of the code to compare with (``git worktree add --detach
/tmp/arena-before <commit>``). For this code and for ``TREE``, alternately, a fresh
PostgreSQL database (``arena_bench_feedback`` on DATABASE_URL's server, or
ARENA_BENCH_POSTGRES), Redis database 13 and one real ``celery worker`` process started from
that tree submit two players through the real submission path (``web.services``) and wait
for the worker and Docker to build and validate them:

- ``random``: example_players/random, no dependency;
- ``random + requirements``: the same with a one-line requirements.txt (``six``, fetched by
  the download step from the configured package index, PyPI by default).

Once the worker answers a ping, each player is submitted once to warm up (the worker's first
task, images and caches: the ``first`` column), then
``--rounds`` times, each a new zip (a comment changes, as a participant's next try would).
The phases come from the revision's states, sampled every 20 ms: waiting for the build,
the build, waiting for the validation, the validation.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVER = os.environ.get(
    "ARENA_BENCH_POSTGRES",
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0],
)
BROKER = os.environ.get("ARENA_BENCH_BROKER", "redis://127.0.0.1:6379/13")
DATABASE = "arena_bench_feedback"
RANDOM = ROOT / "example_players" / "random"
PLAYERS = {"random": "", "random + requirements": "six\n"}
PHASES = ["queued for build", "build", "queued for validation", "validation"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=False, help="a checkout of the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drive", help=argparse.SUPPRESS)  # internal: one tree's run
    arguments = parser.parse_args()
    if arguments.drive:
        print(json.dumps(drive(Path(arguments.drive), arguments.rounds)))
        return
    trees = {"now": ROOT}
    if arguments.before:
        trees = {"before": Path(arguments.before).resolve(), **trees}
    results = {}
    for name, tree in trees.items():
        output = subprocess.run(
            [sys.executable, __file__, "--drive", str(tree), "--rounds", str(arguments.rounds)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        results[name] = json.loads(output.strip().splitlines()[-1])
    report(results, arguments.rounds)


def report(results: dict[str, dict[str, dict]], rounds: int) -> None:
    print(f"\nUpload to validated, one celery worker and Docker ({rounds} rounds, medians, s)")
    header = ["player", "code", "first", "median", *PHASES, "x before"]
    rows = []
    for player in PLAYERS:
        before = results.get("before", {}).get(player)
        for code, by_player in results.items():
            run = by_player[player]
            ratio = f"{run['median'] / before['median']:.2f}" if before else "-"
            phases = [f"{run['phases'][p]:.2f}" for p in PHASES]
            rows.append(
                [player, code, f"{run['first']:.2f}", f"{run['median']:.2f}", *phases, ratio]
            )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip


# --- One tree's run, in a process of its own (its code on sys.path) -------------------------


def drive(tree: Path, rounds: int) -> dict[str, dict]:
    sys.path.insert(0, str(tree))
    var = Path(tempfile.mkdtemp(prefix="arena-bench-feedback-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "CELERY_BROKER_URL": BROKER,
        "ARENA_VAR_DIR": str(var),
        "ARENA_SECRET_KEY": "bench",
        "ARENA_LOG_LEVEL": "WARNING",
        "ARENA_PLAYER_IMAGE_REPOSITORY": "arena-bench-feedback",
        "PYTHONPATH": str(tree),
    }
    ca = Path("/etc/ssl/certs/ca-certificates.crt")
    if ca.is_file():  # pip behind an intercepting proxy
        env.setdefault("ARENA_PIP_CA_BUNDLE", str(ca))
    os.environ.update(env)
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.games import load_games
    from core.models import Competitor, Environment, User

    load_games()
    redis.Redis.from_url(BROKER).flushdb()
    owner = User.objects.create_user(username="bench", email="bench@example.com", password="x")
    game = Environment.objects.get(slug="tic-tac-toe")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "core", "worker", "-n", "bench-feedback@%h",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    results = {}
    try:
        wait_until_ready()
        for index, (player, requirements) in enumerate(PLAYERS.items()):
            competitor = Competitor.objects.create(owner=owner, environment=game, name=f"p{index}")
            times = [submit_and_wait(competitor, requirements, n) for n in range(rounds + 1)]
            results[player] = {
                "first": times[0][0],
                "median": statistics.median(t for t, _ in times[1:]),
                "phases": {p: statistics.median(ph[p] for _, ph in times[1:]) for p in PHASES},
            }
    finally:
        os.killpg(worker.pid, 15)
        worker.wait()
        clean_images()
    return results


def wait_until_ready(timeout: float = 120.0) -> None:
    """Until the worker answers a ping: its start-up is not the participant's wait."""
    from core.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("the celery worker did not start")


def player_zip(requirements: str, round_: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for path in sorted(RANDOM.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                text = path.read_bytes()
                if path.name == "player.py":
                    text += f"\n# try {round_} at {time.time()}\n".encode()
                archive.writestr(str(path.relative_to(RANDOM)), text)
        if requirements:
            archive.writestr("requirements.txt", requirements)
    return SimpleUploadedFile("player.zip", data.getvalue(), content_type="application/zip")


def submit_and_wait(competitor, requirements: str, round_: int) -> tuple[float, dict[str, float]]:
    from core.models import Revision
    from web.services import submit_revision

    start = time.perf_counter()
    revision = submit_revision(competitor, player_zip(requirements, round_))
    seen: dict[str, float] = {}
    while True:
        revision.refresh_from_db()
        now = time.perf_counter() - start
        for state in (revision.image_state, revision.test_state):
            seen.setdefault(state, now)
        if revision.image_state == Revision.IMAGE_FAILED:
            raise SystemExit(f"the build failed: {revision.image_error}\n{revision.image_log}")
        if revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED):
            if revision.test_state == Revision.TEST_FAILED:
                raise SystemExit(f"the validation failed: {revision.test_error}")
            break
        time.sleep(0.02)
    built = seen.get(Revision.IMAGE_COMPLETED, now)
    build_start = seen.get(Revision.IMAGE_RUNNING, built)
    test_start = seen.get(Revision.TEST_RUNNING, now)
    return now, {
        "queued for build": build_start,
        "build": built - build_start,
        "queued for validation": test_start - built,
        "validation": now - test_start,
    }


def clean_images() -> None:
    import docker

    client = docker.from_env()
    for image in client.images.list(name="arena-bench-feedback"):
        client.images.remove(image.id, force=True)


if __name__ == "__main__":
    main()
