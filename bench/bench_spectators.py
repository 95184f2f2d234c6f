"""A crowd of spectators: N live streams of one running duel, and the ordinary pages meanwhile.

    python bench/bench_spectators.py [--spectators 1000] [--seconds 20] [--pages 60]

Two server setups, one after the other in the same run, on loopback, against the machine's
PostgreSQL and Redis, each with its production settings (docker/gunicorn.conf.py, 2 processes):

- ``asgi``: what the web container runs now: gunicorn with uvicorn's worker, core.asgi, the
  asynchronous stream of web.views.live;
- ``threaded``: the setup before it, the baseline: gunicorn gthread (2 processes x 4 threads),
  core.wsgi, with the stream served by a copy of the synchronous view it had (one thread held
  per stream, at most ``ARENA_LIVE_STREAMS_PER_PROCESS`` = 2 streams per process, its default).

A feeder publishes a duel's events through duel_runner.live.Publisher (the worker's path: a
thread, batches to the Redis stream) at a steady pace. The spectators are raw asyncio sockets,
each from its own address (X-Forwarded-For, as nginx sends it), all connected before the feed
starts; meanwhile the duel page and the home page are fetched one after the other and timed.
Target: at least 1000 spectators receiving the duel on one web container, pages p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from _common import ROOT, print_table

LIVE = re.compile(r"^/duels/(\d+)/live/events$")


# --- the baseline: the synchronous stream as it was, served by gunicorn gthread -------------


def _baseline_stream(pk: int):  # pragma: no cover - runs in the baseline's gunicorn
    """The old web.views.live stream: one thread per spectator, a semaphore per process."""
    import json

    from django.conf import settings

    from core.models import Duel
    from duel_runner import live

    def message(kind, data, event_id=None):
        head = f"id: {event_id}\n" if event_id is not None else ""
        return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"

    if not _BASELINE_SLOTS.acquire(blocking=False):
        yield "retry: 5000\n\n" + message("busy", {"retry_ms": 5000})
        return
    try:
        channel = live.channel()
        yield "retry: 1000\n\n"
        deadline = time.monotonic() + settings.ARENA_LIVE_STREAM_SECONDS
        cursor = None
        while time.monotonic() < deadline:
            wait = min(15.0, deadline - time.monotonic())
            events = channel.read(pk, cursor, wait)
            for event_id, event in events:
                cursor = event_id
                yield message(event["kind"], event, event_id)
            if not events:
                state = Duel.objects.filter(pk=pk).values_list("state", flat=True).first()
                if state not in (Duel.SCHEDULED, Duel.RUNNING):
                    yield message("end", {"state": state})
                    return
                yield ": still here\n\n"
    finally:
        _BASELINE_SLOTS.release()


_BASELINE_SLOTS = threading.BoundedSemaphore(int(os.environ.get("BENCH_BASELINE_SLOTS", "2")))
_django_wsgi = None


def baseline_application(environ, start_response):  # pragma: no cover - in gunicorn
    global _django_wsgi
    if _django_wsgi is None:
        from django.core.wsgi import get_wsgi_application

        _django_wsgi = get_wsgi_application()
    found = LIVE.match(environ.get("PATH_INFO", ""))
    if not found:
        return _django_wsgi(environ, start_response)
    start_response(
        "200 OK",
        [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")],
    )
    return (chunk.encode() for chunk in _baseline_stream(int(found.group(1))))


# --- the bench -----------------------------------------------------------------------------


@dataclass
class Spectator:
    status: str = ""  # "streaming", "busy", "refused", "error"
    events: int = 0
    bytes: int = 0
    first_event: float | None = None


@dataclass
class Result:
    name: str
    spectators: list[Spectator] = field(default_factory=list)
    pages: dict[str, list[float]] = field(default_factory=dict)
    page_errors: int = 0
    threads: int = 0
    rss_mb: float = 0.0
    published: int = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        DATABASE_URL=args.database,
        CELERY_BROKER_URL=args.redis,
        ARENA_SECRET_KEY="bench-only-secret-key-of-enough-length-0123456789",
        ARENA_ALLOWED_HOSTS="127.0.0.1,localhost",
        ARENA_BEHIND_PROXY="true",
        ARENA_LIVE_STREAM_SECONDS="3600",
        ARENA_LOG_LEVEL="warning",
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    )
    return env


def prepare(args: argparse.Namespace) -> None:
    """The database: migrated, games loaded."""
    os.environ.update(server_env(args))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=os.environ, check=True
    )
    subprocess.run(
        [sys.executable, "manage.py", "load_games"],
        cwd=ROOT,
        env=os.environ,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    import django

    django.setup()


def new_duel() -> int:
    """A running duel of two (never played) revisions: its pk. One per setup, so each crowd
    watches a channel of its own."""
    from core.models import Competitor, Duel, Environment, Revision, User

    game = Environment.objects.get(slug="tic-tac-toe")
    revisions = []
    for name in ("crowd-one", "crowd-two"):
        owner, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@x.org"})
        competitor, _ = Competitor.objects.get_or_create(environment=game, name=name, owner=owner)
        revision, _ = Revision.objects.get_or_create(
            competitor=competitor,
            version=1,
            defaults={
                "zip_file": "submissions/bench.zip",
                "image_state": Revision.IMAGE_COMPLETED,
                "test_state": Revision.TEST_COMPLETED,
            },
        )
        revisions.append(revision)
    duel = Duel.objects.create(
        environment=game,
        revision_1=revisions[0],
        revision_2=revisions[1],
        rules_version=1,
        num_matches=1000,
        state=Duel.RUNNING,
    )
    return duel.pk


def start_server(kind: str, port: int, args: argparse.Namespace) -> subprocess.Popen:
    env = server_env(args)
    env["ARENA_WEB_BIND"] = f"127.0.0.1:{port}"
    config = str(ROOT / "docker" / "gunicorn.conf.py")
    if kind == "asgi":
        command = ["gunicorn", "--config", config, "core.asgi:application"]
    else:
        # The same settings file, with the worker it had: gthread, 2 x 4 threads.
        command = [
            "gunicorn",
            "--config",
            config,
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "bench_spectators:baseline_application",
        ]
    command += ["--access-logfile", "/dev/null", "--worker-tmp-dir", "/tmp"]
    log = open(f"/tmp/bench-{kind}.log", "w")  # noqa: SIM115 (the server's, while it runs)
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), command[0]), *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    last: object = None
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                answer = probe.recv(12)
                if answer[9:12] == b"200":
                    return server
                last = answer
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit(f"the {kind} server did not start ({last!r}): see /tmp/bench-{kind}.log")


def workers_of(server: subprocess.Popen) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    return [int(pid) for pid in found]


def threads_and_rss(pids: list[int]) -> tuple[int, float]:
    threads, rss = 0, 0.0
    for pid in pids:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    threads += int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
    return threads, rss


async def watch(port: int, pk: int, n: int, spectator: Spectator, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        spectator.status = "refused"
        return
    try:
        writer.write(
            f"GET /duels/{pk}/live/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Accept: text/event-stream\r\nX-Forwarded-For: 10.{n // 65536}.{n // 256 % 256}."
            f"{n % 256}\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        spectator.status = "streaming" if b" 200 " in head.split(b"\r\n")[0] else "error"
        while not stop.is_set():
            reading = asyncio.ensure_future(reader.read(65536))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if reading not in done:
                reading.cancel()
                break
            stopping.cancel()
            chunk = reading.result()
            if not chunk:
                break
            if b"event: busy" in chunk:
                spectator.status = "busy"
                break
            spectator.bytes += len(chunk)
            moves = chunk.count(b"event: move")
            if moves and spectator.first_event is None:
                spectator.first_event = time.monotonic()
            spectator.events += moves
    except (OSError, asyncio.IncompleteReadError):
        spectator.status = spectator.status or "error"
    finally:
        writer.close()


async def fetch(port: int, path: str) -> float:
    """One page, on a new connection as a new visitor's browser would: seconds to its end."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    body = await reader.read()
    writer.close()
    if body[9:12] != b"200":
        raise RuntimeError(body[:80])
    return time.perf_counter() - started


def feed(pk: int, stop: threading.Event, interval: float) -> int:
    """A duel's events as its worker publishes them: tic-tac-toe matches, one move per
    ``interval`` (a quick player), through the worker's Publisher."""
    from duel_runner import live

    published = 0
    with live.Publisher(live.channel(), pk) as publisher:
        match = 0
        while not stop.is_set():
            match += 1
            state = [0] * 9
            publisher({"kind": "match", "match": match, "first_player": 1, "state": state})
            for move, cell in enumerate((4, 0, 8, 2, 6, 3, 5)):
                state = state.copy()
                state[cell] = 1 + move % 2
                publisher(
                    {
                        "kind": "move",
                        "match": match,
                        "player": 1 + move % 2,
                        "action": cell,
                        "state": state,
                    }
                )
                published += 1
                time.sleep(interval)
                if stop.is_set():
                    break
            publisher({"kind": "match_end", "match": match, "result": "DRAW", "tally": {}})
    return published


async def run_one(kind: str, args: argparse.Namespace) -> Result:
    pk = await asyncio.to_thread(new_duel)
    port = free_port()
    server = start_server(kind, port, args)
    result = Result(kind)
    try:
        stop = asyncio.Event()
        result.spectators = [Spectator() for _ in range(args.spectators)]
        tasks = []
        for n, spectator in enumerate(result.spectators):
            tasks.append(asyncio.create_task(watch(port, pk, n, spectator, stop)))
            if n % 100 == 99:
                await asyncio.sleep(0.05)  # a crowd arriving, not one SYN flood
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(not s.status for s in result.spectators):
            await asyncio.sleep(0.2)
        feeding = threading.Event()
        feeder = asyncio.get_running_loop().run_in_executor(
            None, feed, pk, feeding, args.move_interval
        )
        await asyncio.sleep(2)  # the streams are delivering the duel
        result.pages = {"duel page": [], "home page": []}
        ends = time.monotonic() + args.seconds
        while time.monotonic() < ends or len(result.pages["home page"]) < args.pages:
            for name, path in (("duel page", f"/duels/{pk}/"), ("home page", "/")):
                try:
                    result.pages[name].append(await fetch(port, path))
                except Exception:
                    result.page_errors += 1
            if len(result.pages["home page"]) >= args.pages * 3:
                break
        result.threads, result.rss_mb = threads_and_rss(workers_of(server))
        feeding.set()
        result.published = await feeder
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        await asyncio.to_thread(finish_duel, pk)
    return result


def finish_duel(pk: int) -> None:
    from core.models import Duel

    Duel.objects.filter(pk=pk).update(state=Duel.COMPLETED)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spectators", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20, help="pages timed for this long")
    parser.add_argument("--pages", type=int, default=60, help="at least this many of each page")
    parser.add_argument("--move-interval", type=float, default=0.05)
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/arena_bench_spectators",
        help="a PostgreSQL database the bench may fill (created if missing)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--only", choices=["asgi", "threaded"])
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.spectators + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    name = args.database.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", args.database.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"],
        capture_output=True,
    )
    prepare(args)
    results = [
        asyncio.run(run_one(kind, args))
        for kind in ("threaded", "asgi")
        if args.only in (None, kind)
    ]

    rows = []
    for r in results:
        streaming = [s for s in r.spectators if s.status == "streaming"]
        receiving = [s for s in streaming if s.events > 0]
        row = [
            r.name,
            f"{len(streaming)}/{len(r.spectators)}",
            str(sum(s.status == "busy" for s in r.spectators)),
            str(len(receiving)),
            str(int(statistics.median([s.events for s in receiving]))) if receiving else "0",
            str(r.published),
        ]
        for page in ("duel page", "home page"):
            times = r.pages.get(page, [])
            row.append(f"{1000 * percentile(times, 0.5):.0f}/{1000 * percentile(times, 0.95):.0f}")
        row += [str(r.page_errors), str(r.threads), f"{r.rss_mb:.0f}"]
        rows.append(row)
    print_table(
        f"{args.spectators} spectators of one live duel, 2 web processes, "
        f"one move every {args.move_interval * 1000:.0f} ms",
        [
            "setup",
            "streams",
            "busy",
            "receiving",
            "moves/spectator (median)",
            "moves published",
            "duel page ms p50/p95",
            "home page ms p50/p95",
            "page errors",
            "server threads",
            "server RSS MB",
        ],
        rows,
    )
    if len(results) == 2:
        old, new = results
        old_p95 = percentile(old.pages["duel page"], 0.95)
        new_p95 = percentile(new.pages["duel page"], 0.95)
        old_n = sum(s.events > 0 for s in old.spectators)
        new_n = sum(s.events > 0 for s in new.spectators)
        print(
            f"\nspectators receiving: {new_n} vs {old_n} ({new_n / max(old_n, 1):.0f}x); "
            f"duel page p95 {1000 * new_p95:.0f} ms vs {1000 * old_p95:.0f} ms "
            f"({new_p95 / old_p95:.2f}x)"
        )
    new = results[-1]
    p95 = max(percentile(t, 0.95) for t in new.pages.values())
    served = sum(s.events > 0 for s in new.spectators)
    print(
        f"target ({new.name}): >= 1000 spectators receiving: {served} "
        f"{'OK' if served >= 1000 else 'MISSED'}; pages p95 < 200 ms: {1000 * p95:.0f} ms "
        f"{'OK' if p95 < 0.2 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
