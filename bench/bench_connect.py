"""A remote client's move round trip through nginx: ``arena connect``'s path, on loopback.

    python bench/bench_connect.py [--moves 300] [--database URL] [--redis URL]

The real parts, as production runs them: this machine's nginx with the repository's
configuration (nginx/render.sh, plain HTTP on loopback: TLS costs the handshake once per
connection, which the client keeps), gunicorn with uvicorn's worker serving core.asgi
(docker/gunicorn.conf.py, 2 processes), a Celery worker of the ``play`` queue holding the
agent, PostgreSQL and Redis. The hosted agent is example_players/dummy (it answers at once) in
the process sandbox, so no image build is needed; its own move time is measured in the same
run by the same sandbox protocol. The client is :class:`arena.connect.RemoteMatch` (one
keep-alive connection), playing connect-four matches move after move.

Rows, all medians measured in the same run:

- ``no token via nginx (401)``: the same address without a token: the web's smallest answer
  (no database), the floor of any request on this machine;
- ``ping via nginx``: ``GET /api/v1/ping/`` (authenticated, the smallest request): the bare
  HTTP round trip, the baseline the move is compared with;
- ``ping direct``: the same to gunicorn without nginx (nginx's own share);
- ``agent's move in its sandbox``: a ``step()`` of the dummy player through the sandbox's
  socket protocol, as the worker calls it;
- ``move via nginx``: ``RemoteMatch.play``: the client's move checked and saved, the agent's
  reply computed and saved, the answer read back; ``move direct``: the same without nginx.

Target: the move via nginx under 5 ms plus the agent's own time.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import EXAMPLE_PLAYERS, ROOT, print_table

TARGET_MS = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start: see {log}")
        time.sleep(0.1)


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        DATABASE_URL=args.database,
        CELERY_BROKER_URL=args.redis,
        ARENA_SECRET_KEY="bench-only-secret-key-of-enough-length-0123456789",
        ARENA_ALLOWED_HOSTS="127.0.0.1,localhost",
        ARENA_BEHIND_PROXY="true",
        ARENA_LOG_LEVEL="warning",
        # The bench's agent runs in the process sandbox (no image to build).
        ARENA_SANDBOX="process",
        ARENA_ALLOW_PROCESS_SANDBOX="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare(args: argparse.Namespace) -> str:
    """The database migrated and loaded, the hosted agent and a player's token: the token."""
    name = args.database.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", args.database.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"],
        capture_output=True,
    )
    os.environ.update(server_env(args))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, check=True)
    subprocess.run([*manage, "load_games"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    import django

    django.setup()
    from core.models import ApiToken, Competitor, Environment, HumanMatch, Revision, User

    HumanMatch.objects.filter(state__in=HumanMatch.ACTIVE_STATES).update(state="ABANDONED")
    owner, _ = User.objects.get_or_create(username="bench-host", defaults={"email": "h@x.org"})
    competitor, _ = Competitor.objects.get_or_create(
        environment=Environment.objects.get(slug="connect-four"), name="instant", owner=owner
    )
    Revision.objects.get_or_create(
        competitor=competitor,
        version=1,
        defaults={
            "zip_file": "submissions/bench.zip",
            "image_state": Revision.IMAGE_COMPLETED,
            "test_state": Revision.TEST_COMPLETED,
            "sandbox": Revision.SANDBOX_PROCESS,
            "image_name": str(EXAMPLE_PLAYERS / "dummy"),
        },
    )
    player, _ = User.objects.get_or_create(username="bench-client", defaults={"email": "c@x.org"})
    return ApiToken.create_for(player)


@contextlib.contextmanager
def started(args: argparse.Namespace, folder: Path):
    """gunicorn, nginx before it and a play worker: (gunicorn's port, nginx's port)."""
    env = server_env(args)
    web_port, nginx_port = free_port(), free_port()
    processes: list[subprocess.Popen] = []
    try:
        log = folder / "gunicorn.log"
        web = subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                "--config", str(ROOT / "docker" / "gunicorn.conf.py"),
                "--access-logfile", "/dev/null", "--worker-tmp-dir", "/tmp",
                "core.asgi:application",
            ],
            cwd=ROOT, env={**env, "ARENA_WEB_BIND": f"127.0.0.1:{web_port}"},
            stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True,
        )  # fmt: skip
        processes.append(web)
        wait_for_port(web_port, web, "gunicorn", log)

        conf = folder / "nginx"
        subprocess.run(
            ["sh", str(ROOT / "nginx" / "render.sh"), "http", str(conf)],
            env={
                "PATH": os.environ["PATH"],
                "ARENA_NGINX_UPSTREAM": f"127.0.0.1:{web_port}",
                "ARENA_NGINX_HTTP_PORT": str(nginx_port),
                "ARENA_NGINX_PID_FILE": str(folder / "nginx.pid"),
                "ARENA_NGINX_ACCESS_LOG": str(folder / "access.log"),
                "ARENA_NGINX_TEMP_DIR": str(folder / "temp"),
                "ARENA_NGINX_WEBROOT": str(folder / "webroot"),
                "ARENA_NGINX_RESOLVER": "127.0.0.1",
                "ARENA_NGINX_USER": getpass.getuser(),
            },
            check=True, capture_output=True,
        )  # fmt: skip
        log = folder / "nginx.err"
        nginx = subprocess.Popen(
            [args.nginx, "-e", "stderr", "-c", str(conf / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True,
        )  # fmt: skip
        processes.append(nginx)
        wait_for_port(nginx_port, nginx, "nginx", log)

        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "core", "worker", "-n", "bench-play@%h",
                "--queues", "play", "--concurrency", "2", "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=(folder / "worker.log").open("w"), start_new_session=True,
        )  # fmt: skip
        processes.append(worker)
        yield web_port, nginx_port
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def time_moves(server: str, token: str, moves: int) -> tuple[list[float], int]:
    """Seconds of each ``play`` over connect-four matches until ``moves`` were timed."""
    from arena.connect import RemoteMatch

    times: list[float] = []
    matches = 0
    while len(times) < moves:
        with RemoteMatch(server, token, "connect-four", "instant", timeout=60) as match:
            matches += 1
            while not match.done and len(times) < moves:
                action = match.valid_actions[-1]  # the rightmost column: long matches
                asked = time.perf_counter()
                match.play(action)
                times.append(time.perf_counter() - asked)
    return times, matches


def refused(port: int, count: int) -> list[float]:
    """The ping without a token: Django's smallest answer (401), no database, on this machine."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    try:
        for _ in range(count + 1):
            started = time.perf_counter()
            connection.request("GET", "/api/v1/ping/")
            connection.getresponse().read()
            times.append(time.perf_counter() - started)
    finally:
        connection.close()
    return times[1:]  # the first opened the connection


def time_agent(moves: int) -> list[float]:
    """The agent's own ``step`` in the process sandbox, as the worker calls it."""
    import environments
    from run_duel.sandbox import Limits
    from run_duel.sandboxes import PROCESS, PlayerSpec, open_player

    game = environments.new_game("connect-four")
    spec = PlayerSpec(PROCESS, EXAMPLE_PLAYERS / "dummy", "agent", Limits.for_environment(
        "connect-four"))  # fmt: skip
    times = []
    with open_player(spec) as player:
        player.open()
        player.start(game.state(), game.legal_actions())
        for _ in range(moves):
            asked = time.perf_counter()
            player.step(game.state(), game.legal_actions(), 0.0)
            times.append(time.perf_counter() - asked)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=300, help="moves timed per row")
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/arena_bench_connect",
        help="a PostgreSQL database the bench may fill (created if missing)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    args = parser.parse_args()

    from arena.connect import ping

    token = prepare(args)
    with (
        tempfile.TemporaryDirectory(prefix="bench-connect-") as tmp,
        started(args, Path(tmp)) as (web_port, nginx_port),
    ):
        via_nginx = f"http://127.0.0.1:{nginx_port}"
        direct = f"http://127.0.0.1:{web_port}"
        ping(via_nginx, token, 20)  # warm both gunicorn processes and nginx
        rows = {
            "no token via nginx (401)": refused(nginx_port, args.moves),
            "ping via nginx": ping(via_nginx, token, args.moves),
            "ping direct": ping(direct, token, args.moves),
            "agent's move in its sandbox": time_agent(args.moves),
        }
        rows["move via nginx"], matches = time_moves(via_nginx, token, args.moves)
        rows["move direct"], _ = time_moves(direct, token, args.moves)

    medians = {name: 1000 * statistics.median(times) for name, times in rows.items()}
    base = medians["ping via nginx"]
    print_table(
        f"round trips on loopback, ms ({args.moves} each; moves over {matches} connect-four "
        "matches against example_players/dummy)",
        ["row", "min", "median", "p90", "max", "x ping via nginx"],
        [
            [
                name,
                f"{1000 * min(times):.2f}",
                f"{medians[name]:.2f}",
                f"{1000 * statistics.quantiles(times, n=10)[-1]:.2f}",
                f"{1000 * max(times):.2f}",
                f"{medians[name] / base:.2f}x",
            ]
            for name, times in rows.items()
        ],
    )
    overhead = medians["move via nginx"] - medians["agent's move in its sandbox"]
    print(
        f"\nmove via nginx - the agent's own time: {overhead:.2f} ms (target < {TARGET_MS:g} ms: "
        f"{'met' if overhead < TARGET_MS else 'MISSED'}); nginx adds "
        f"{medians['move via nginx'] - medians['move direct']:.2f} ms to a move"
    )


if __name__ == "__main__":
    main()
