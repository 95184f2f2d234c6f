"""The compose stack for real: images built from a local Debian root, then the compose file's
own migrate, web, worker, beat and nginx services against this machine's PostgreSQL and Redis.

Compose runs them with a small override: host networking (PostgreSQL and Redis listen on
127.0.0.1), free ports, quick health-check intervals, a unique worker host name and, for nginx,
a self-signed certificate where certbot keeps its own. Everything else (commands, entrypoints,
settings from the env file, the Docker socket and the socket folder, the health checks) is
docker-compose.yml's. A participant signs up and uploads two players through nginx over HTTPS;
the worker container builds their images, validates them and plays their duel in player
containers it starts on this machine's Docker engine.

Own names only: the database arena_compose_e2e (created and dropped here), Redis database 11,
a compose project, image tags and a player image repository named after a random id. All are
removed at the end, with the player containers and images the worker made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import uuid
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE_PLAYERS, ROOT, _services_missing
from tests.deploy.conftest import (
    DOMAIN,
    HOST_CA_BUNDLE,
    Deployment,
    free_port,
    run,
    self_signed_certificate,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

DATABASE = "arena_compose_e2e"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/11"
SANDBOX_LABEL = "org.rl-arena.sandbox"
SOCK = "/var/run/docker.sock"


def wait_for(condition, timeout: float, message: str, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(interval)


def health(container: str) -> str:
    return run(
        ["docker", "inspect", "-f", "{{.State.Health.Status}}", container], check=False
    ).stdout.strip()


def psql(database: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True) as connection:
        connection.execute(statement)


def fresh_database() -> None:
    import psycopg

    try:
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        psql("postgres", f"CREATE DATABASE {DATABASE}")
    except psycopg.OperationalError as exc:
        _services_missing(f"PostgreSQL does not answer at {POSTGRES}: {exc}")


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        _services_missing(f"Redis does not answer at {REDIS}: {exc}")
    finally:
        client.close()


class Stack(Deployment):
    web_port: int
    http_port: int
    https_port: int
    worker_hostname: str
    folder: Path
    services: dict

    def nginx(self, *, domain: str = "", certificate: bool = False) -> str:
        """(Re)start the compose file's nginx with these settings; its container id."""
        letsencrypt = self.folder / "letsencrypt"
        live = letsencrypt / "live" / DOMAIN
        if certificate and not (live / "fullchain.pem").exists():
            self_signed_certificate(live)
        if not certificate:
            shutil.rmtree(live, ignore_errors=True)
        self.env["ARENA_DOMAIN"] = domain
        network = f"{self.name}_default"  # made by compose with the first container
        gateway = run(
            ["docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", network]
        ).stdout.strip()
        self.services["nginx"]["environment"]["ARENA_NGINX_UPSTREAM"] = f"{gateway}:{self.web_port}"
        self.override = yaml.safe_dump({"services": self.services})
        self("up", "-d", "--no-deps", "--force-recreate", "nginx")
        container = self.container("nginx")
        wait_for(lambda: health(container) == "healthy", 60, "nginx to be healthy", 0.5)
        return container

    def shell(self, code: str) -> dict:
        """Run Python in the web container's Django; it prints one JSON line."""
        result = run(
            ["docker", "exec", self.container("web"), "python", "manage.py", "shell", "-c", code],
            timeout=120,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stack(built_images, compose) -> Stack:
    ident = uuid.uuid4().hex[:8]
    # A short folder: unix socket paths under it must stay below 108 characters.
    folder = Path(f"/tmp/arena-e2e-{ident}")
    folder.mkdir(mode=0o755)
    deployment = Stack(compose, folder, name=f"arenae2e{ident}")
    deployment.folder = folder
    web_port = deployment.web_port = free_port()
    deployment.http_port, deployment.https_port = free_port(), free_port()
    deployment.worker_hostname = f"arena-e2e-worker-{ident}"
    fresh_database()
    flush_redis()
    deployment.env = {
        **built_images,
        "ARENA_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "CELERY_BROKER_URL": REDIS,
        "POSTGRES_PASSWORD": "unused-here",
        "REDIS_PASSWORD": "unused-here",
        # Required by both compose files (the registry itself is not started here).
        "ARENA_REGISTRY_USERNAME": "arena",
        "ARENA_REGISTRY_PASSWORD": uuid.uuid4().hex,
        "ARENA_PLAYER_IMAGE_REPOSITORY": f"arena-e2e-player-{ident}",
        "ARENA_SOCKET_DIR": str(folder / "sockets"),
        "ARENA_SECRETS_DIR": str(folder / "secrets"),
        "ARENA_ALLOWED_HOSTS": f"{DOMAIN},127.0.0.1,localhost",
        "ARENA_LOG_LEVEL": "INFO",
        "ARENA_VALIDATION_MATCHES": "2",
        "ARENA_DUEL_MATCHES": "4",
        # Two players' 4-match duel is rarely conclusive: with extra duels between tied
        # neighbours the stack would play several, and these tests follow one
        # (tests/platform/test_confidence_flow.py plays the extra ones).
        "ARENA_EXTRA_DUELS_PER_EDITION": "0",
        "ARENA_SCHEDULE_INTERVAL": "1",
        "ARENA_REQUEUE_INTERVAL": "5",
        "ARENA_HEARTBEAT_INTERVAL": "2",
        "ARENA_ZIP_MAX_BYTES": "1048576",
        "ARENA_WORKER_CONCURRENCY": "2",
        "ARENA_HTTP_PORT": str(deployment.http_port),
        "ARENA_HTTPS_PORT": str(deployment.https_port),
    }
    host = {"network_mode": "host"}
    quick = {"healthcheck": {"interval": "3s"}}
    services = {
        "migrate": {**host},
        # On every address: nginx, on the compose network, reaches it through the gateway.
        "web": {**host, **quick, "environment": {"ARENA_WEB_BIND": f"0.0.0.0:{web_port}"}},
        # Its own host name: the worker labels its player containers host:pid and removes
        # those of dead workers with its host name, so never another process's.
        "worker": {**host, **quick, "hostname": deployment.worker_hostname},
        # A host name of its own too: each removes the player containers of its host name's
        # dead processes, and the two share the host's process numbers here.
        "play": {**host, **quick, "hostname": f"{deployment.worker_hostname}-play"},
        "beat": {**host},
        # On the compose network with its published ports (ARENA_HTTP_PORT, ARENA_HTTPS_PORT),
        # in front of the web container on this host's network.
        "nginx": {
            **quick,
            "environment": {
                # No certificate authority is reachable from here: certbot fails at once.
                "ARENA_ACME_SERVER": "http://127.0.0.1:9/directory",
                "ARENA_CERT_RETRY_SECONDS": "3600",
            },
            "volumes": [f"{folder / 'letsencrypt'}:/etc/letsencrypt"],
        },
    }
    if HOST_CA_BUNDLE.is_file():
        # pip in the player image builds, behind this machine's proxy; every app container
        # has it (the system checks of migrate want the file to exist).
        deployment.env["ARENA_PIP_CA_BUNDLE"] = "/etc/arena-e2e/ca.pem"
        for name in ("migrate", "web", "worker", "play", "beat"):
            services[name]["volumes"] = [f"{HOST_CA_BUNDLE}:/etc/arena-e2e/ca.pem:ro"]
    deployment.services = services
    deployment.override = yaml.safe_dump({"services": services})
    try:
        deployment("run", "--rm", "--no-deps", "-T", "migrate", timeout=300)
        deployment("up", "-d", "--no-deps", "web", "worker", "play", "beat")
        for service in ("web", "worker", "play"):
            container = deployment.container(service)
            wait_for(
                lambda container=container: health(container) in ("healthy", "unhealthy"),
                180, f"the {service} container's health check",
            )  # fmt: skip
        yield deployment
    finally:
        print(deployment.logs())
        deployment("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)
        _remove_player_containers_and_images(deployment)
        psql("postgres", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        flush_redis()
        shutil.rmtree(folder, ignore_errors=True)


def worker_of(container: str) -> str:
    """The ``host:pid`` label of the worker that started a player container."""
    label = '{{index .Config.Labels "org.rl-arena.worker"}}'
    return run(["docker", "inspect", "-f", label, container], check=False).stdout.strip()


def _remove_player_containers_and_images(stack: Stack) -> None:
    containers = run(
        ["docker", "ps", "-aq", "--filter", f"label={SANDBOX_LABEL}"], check=False
    ).stdout.split()
    for container in containers:
        if worker_of(container).startswith(stack.worker_hostname):
            run(["docker", "rm", "-f", container], check=False)
    repository = stack.env["ARENA_PLAYER_IMAGE_REPOSITORY"]
    images = run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", repository])
    for image in images.stdout.split():
        run(["docker", "rmi", "--force", image], check=False)


def test_the_app_image_runs_as_its_own_user_without_the_build_ca(stack):
    image = stack.env["ARENA_IMAGE"]
    config = json.loads(run(["docker", "image", "inspect", image]).stdout)[0]["Config"]
    assert config["User"] == "arena"
    assert config["Healthcheck"]["Test"][-1] == "/app/docker/healthcheck.py"
    assert config["Env"].count("ARENA_STATIC_FROM_SOURCES=false") == 1
    files = run(
        ["docker", "run", "--rm", "--entrypoint", "sh", image, "-c",
         "id -u; ls /opt/arena/static/web | head -n 3; find / -xdev -name 'build-ca*' | wc -l"],
    ).stdout.split()  # fmt: skip
    assert files[0] == "10001"
    assert files[-1] == "0", "the CA bundle given to the build is in the image"
    assert any(name.endswith(".css") for name in files[1:-1]), "static files were not collected"


def test_the_entrypoint_refuses_to_start_a_misconfigured_container(stack):
    image = stack.env["ARENA_IMAGE"]
    key = ["-e", f"ARENA_SECRET_KEY={'k' * 50}"]
    for env, role, message in [
        (["-e", "ARENA_SECRET_KEY=change-me"], "web", "ARENA_SECRET_KEY is not set"),
        ([*key, "-e", "DATABASE_URL=postgres://a:change-me@db/a"], "web",
         "DATABASE_URL still has the example's change-me password"),
        (key, "web", "set ARENA_DOMAIN (or ARENA_ALLOWED_HOSTS)"),
        ([*key, "-e", "ARENA_SOCKET_DIR=/tmp"], "worker", "no Docker socket at " + SOCK),
        ([*key, "-v", f"{SOCK}:{SOCK}"], "worker", "cannot use the Docker socket"),
        # Started as root (as compose does), it joins the socket's group, then needs the folder.
        ([*key, "-v", f"{SOCK}:{SOCK}", "--user", "0"], "worker", "set ARENA_SOCKET_DIR"),
    ]:  # fmt: skip
        result = run(["docker", "run", "--rm", *env, image, role], check=False)
        assert result.returncode == 64 and message in result.stderr, result.stderr


def test_web_and_worker_are_healthy_and_the_worker_dropped_root(stack):
    assert health(stack.container("web")) == "healthy", stack.logs("web")
    # The worker takes its queues in this order (strict priority: someone waits for a move,
    # tournaments come before challenges).
    for service, queue in (("worker", "moves,arena,challenges"), ("play", "play")):
        container = stack.container(service)
        assert health(container) == "healthy", stack.logs(service)
        pid = run(["docker", "inspect", "-f", "{{.State.Pid}}", container]).stdout.strip()
        status = Path(f"/proc/{pid}/status").read_text()
        assert re.search(r"^Uid:\s+10001\s+10001\s+10001\s+10001$", status, re.M)
        docker_gid = str(os.stat("/var/run/docker.sock").st_gid)
        assert docker_gid in re.search(r"^Groups:(.*)$", status, re.M).group(1).split()
        assert re.search(r"^CapEff:\s+0+$", status, re.M)
        # Each its own queue: duels and human matches never take each other's processes.
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert command[command.index(b"--queues") + 1] == queue.encode(), command
    socket_dir = Path(stack.env["ARENA_SOCKET_DIR"])
    assert (socket_dir.stat().st_uid, oct(socket_dir.stat().st_mode & 0o777)) == (10001, "0o711")


def test_nginx_serves_plain_http_until_it_has_a_certificate_then_https(stack):
    import requests

    http = f"http://127.0.0.1:{stack.http_port}"
    https = f"https://127.0.0.1:{stack.https_port}"

    # No domain: the site on plain HTTP.
    stack.nginx()
    page = requests.get(f"{http}/", headers={"Host": DOMAIN}, timeout=30)
    assert page.status_code == 200 and "RL Arena" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in page.headers
    css = re.search(r'href="(/static/[^"]+\.css)"', page.text).group(1)
    static = requests.get(f"{http}{css}", headers={"Host": DOMAIN}, timeout=30)
    assert static.status_code == 200 and static.headers["Content-Type"].startswith("text/css")

    # A domain but no certificate yet (certbot fails here): still plain HTTP, no redirect.
    container = stack.nginx(domain=DOMAIN)
    wait_for(
        lambda: "no certificate for arena.test yet" in run(["docker", "logs", container]).stderr,
        30, "nginx to report the failed certificate",
    )  # fmt: skip
    page = requests.get(f"{http}/", headers={"Host": DOMAIN}, timeout=30, allow_redirects=False)
    assert page.status_code == 200

    # With its certificate: HTTPS, and HTTP redirects to it.
    stack.nginx(domain=DOMAIN, certificate=True)
    redirect = requests.get(f"{http}/games/", headers={"Host": DOMAIN}, allow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"https://{DOMAIN}/games/"
    certificate = stack.folder / "letsencrypt" / "live" / DOMAIN / "fullchain.pem"
    page = requests.get(
        f"{https}/", headers={"Host": f"{DOMAIN}:{stack.https_port}"}, verify=certificate
    )
    assert page.status_code == 200 and "RL Arena" in page.text
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"


def player_zip(folder: Path, extra: dict[str, str] | None = None) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


class Browser:
    """A participant's browser, through nginx over HTTPS (Origin and Referer as a browser
    sends them: Django's CSRF check for HTTPS wants them to match the site)."""

    def __init__(self, stack: Stack) -> None:
        import requests

        self.site = f"https://{DOMAIN}:{stack.https_port}"
        self.base = f"https://127.0.0.1:{stack.https_port}"
        self.session = requests.Session()
        # Given with each request: a session's verify loses to REQUESTS_CA_BUNDLE.
        self.verify = str(stack.folder / "letsencrypt" / "live" / DOMAIN / "fullchain.pem")
        self.session.headers.update({"Host": f"{DOMAIN}:{stack.https_port}"})

    def get(self, path: str):
        return self.session.get(self.base + path, timeout=60, verify=self.verify)

    def post(self, path: str, data: dict, files: dict | None = None):
        form = self.get(path)
        assert form.status_code == 200, form.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return self.session.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token, **data},
            files=files,
            headers={"Origin": self.site, "Referer": self.site + path},
            allow_redirects=False,
            timeout=120,
            verify=self.verify,
        )


def submit(browser: Browser, name: str, zip_bytes: bytes) -> None:
    created = browser.post(
        "/submit/", {"action": "create", "game": "tic-tac-toe", "name": name, "is_public": "on"}
    )
    assert created.status_code == 302, created.text[-2000:]
    competitor = re.search(r"competitor=(\d+)", created.headers["Location"]).group(1)
    uploaded = browser.post(
        "/submit/",
        {"action": "upload", "competitor": competitor},
        files={"zip_file": (f"{name}.zip", zip_bytes, "application/zip")},
    )
    assert uploaded.status_code == 302, uploaded.text[-2000:]


STATE = """
import json
from core.models import Duel, Revision, Tournament
print(json.dumps({
    "revisions": list(Revision.objects.values(
        "id", "competitor__name", "image_state", "image_name", "image_error", "image_log",
        "test_state", "test_error", "worker")),
    "duels": list(Duel.objects.values(
        "id", "state", "result", "num_matches", "player_1_wins", "player_2_wins", "draws",
        "player_1_errors", "player_2_errors", "other_errors", "error_msg", "worker",
        "revision_1__competitor__name", "revision_2__competitor__name")),
    "tournaments": list(Tournament.objects.values("id", "state", "duels_done", "duels_total")),
}, default=str))
"""


def test_a_submission_goes_from_upload_through_build_and_validation_to_a_duel(stack):
    stack.nginx(domain=DOMAIN, certificate=True)
    browser = Browser(stack)
    signed_up = browser.post(
        "/signup/",
        {"email": "ada@example.com", "username": "ada", "github_username": "", "team": "",
         "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
    )  # fmt: skip
    assert signed_up.status_code == 302, signed_up.text[-2000:]

    # Too large for the app's limit (1 MiB here) and nginx's margin: refused by nginx.
    too_big = browser.session.post(
        browser.base + "/submit/", data=b"z" * 3_000_000, timeout=60, verify=browser.verify
    )
    assert too_big.status_code == 413

    random_zip = player_zip(EXAMPLE_PLAYERS / "random")
    submit(browser, "e2e-random", random_zip)
    # This one has a dependency: pip runs in the image build the worker starts.
    submit(
        browser, "e2e-dummy", player_zip(EXAMPLE_PLAYERS / "dummy", {"requirements.txt": "six\n"})
    )

    def duel_done():
        state = stack.shell(STATE)
        failed = [r for r in state["revisions"] if r["image_state"] == "IMAGE_FAILED"
                  or r["test_state"] == "TEST_FAILED"]  # fmt: skip
        assert not failed, json.dumps(failed, indent=1)[-4000:]
        finished = [d for d in state["duels"] if d["state"] in ("COMPLETED", "FAILED")]
        return state if finished else None

    try:
        state = wait_for(duel_done, 600, "the two submissions' duel", interval=3)
    except BaseException:
        print(stack.logs("worker"))
        raise

    revisions = {r["competitor__name"]: r for r in state["revisions"]}
    assert set(revisions) == {"e2e-random", "e2e-dummy"}
    repository = stack.env["ARENA_PLAYER_IMAGE_REPOSITORY"]
    for revision in revisions.values():
        assert revision["image_state"] == "IMAGE_COMPLETED"
        assert revision["test_state"] == "TEST_COMPLETED"
        assert revision["image_name"] == f"{repository}:{revision['id']}"
        assert revision["worker"].startswith(f"{stack.worker_hostname}:")
        # Built on this machine's engine by the worker container.
        run(["docker", "image", "inspect", revision["image_name"]])
    # pip installed six, or an earlier build on this engine did and its packages were reused
    # (builder/image.py, dependencies images); either way the image imports it, offline.
    log = revisions["e2e-dummy"]["image_log"]
    assert (
        re.search(r"Successfully installed .*\bsix-", log) or "installed by an earlier build" in log
    )
    image = revisions["e2e-dummy"]["image_name"]
    run(["docker", "run", "--rm", "--network", "none", image, "python3", "-c", "import six"])

    [duel] = state["duels"]
    assert duel["state"] == "COMPLETED", duel
    assert duel["num_matches"] == 4
    assert duel["player_1_wins"] + duel["player_2_wins"] + duel["draws"] == 4
    assert duel["player_1_errors"] == duel["player_2_errors"] == duel["other_errors"] == 0
    assert duel["result"] in ("PLAYER_1_WIN", "PLAYER_2_WIN", "DRAW")
    assert duel["worker"].startswith(f"{stack.worker_hostname}:")
    assert {duel["revision_1__competitor__name"], duel["revision_2__competitor__name"]} == set(
        revisions
    )

    # The duel's page, through nginx; the worker left no player container or socket behind.
    page = browser.get(f"/duels/{duel['id']}/")
    assert page.status_code == 200 and "e2e-random" in page.text
    # Its source, sent by nginx from the media volume once the app allowed it (X-Accel-Redirect:
    # nginx's static file module adds the ETag that the app's own answers lack).
    source = browser.get("/games/tic-tac-toe/competitors/e2e-random/revisions/1/source.zip")
    assert source.status_code == 200 and source.content == random_zip
    assert "ETag" in source.headers and "X-Accel-Redirect" not in source.headers
    assert source.headers["X-Frame-Options"] == "DENY"
    # Static files come from nginx's cache after the first request.
    statuses = [browser.get("/static/web/arena.css").headers["X-Cache-Status"] for _ in range(2)]
    assert statuses[-1] == "HIT", statuses

    def leftovers() -> list[str]:
        containers = run(["docker", "ps", "-aq", "--filter", f"label={SANDBOX_LABEL}"]).stdout
        return [c for c in containers.split() if stack.worker_hostname in worker_of(c)]

    wait_for(lambda: not leftovers(), 30, "the player containers to be removed")
    assert list(Path(stack.env["ARENA_SOCKET_DIR"]).iterdir()) == []


def test_the_backup_and_restore_recipes_of_deploy_md(stack):
    """DEPLOY.md's backups on this stack: the stored files with tar in the web container, the
    database with pg_dump and pg_restore and the same options (here this machine's client
    tools and PostgreSQL; `docker compose exec db` runs them in the db container)."""
    import psycopg
    import requests

    state = stack.shell(STATE)
    if not state["duels"]:
        pytest.skip("needs the duel of the submission test")
    web = stack.container("web")
    record = f"http://127.0.0.1:{stack.web_port}/duels/{state['duels'][0]['id']}/matches/1.json"

    def get_record():
        return requests.get(record, headers={"Host": DOMAIN}, timeout=30)

    before = get_record()
    assert before.status_code == 200

    media = "/var/lib/arena/media"
    archive = subprocess.run(
        ["docker", "exec", "-i", web, "tar", "-C", media, "-czf", "-", "."],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        names = tar.getnames()
    assert [n for n in names if n.startswith("./duels/")] and len(names) > 5, names
    run(["docker", "exec", web, "sh", "-c", f"rm -rf {media}/*"])
    assert get_record().status_code != 200
    subprocess.run(
        ["docker", "exec", "-i", web, "tar", "-C", media, "-xzf", "-"],
        input=archive, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    after = get_record()
    assert (after.status_code, after.content) == (200, before.content)

    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        _services_missing("pg_dump and pg_restore are not installed (postgresql-client)")
    copy = f"{DATABASE}_restore"
    dump = subprocess.run(
        ["pg_dump", "--format=custom", f"{POSTGRES}/{DATABASE}"],
        capture_output=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    psql("postgres", f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {copy}")
    try:
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "-d", f"{POSTGRES}/{copy}"],
            input=dump, capture_output=True, check=True, timeout=300,
        )  # fmt: skip
        counts = []
        for database in (DATABASE, copy):
            with psycopg.connect(f"{POSTGRES}/{database}") as connection:
                counts.append(
                    [
                        connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                        for table in ("core_user", "core_revision", "core_duel", "core_tournament")
                    ]
                )
        assert counts[0] == counts[1] and counts[0][2] == 1
    finally:
        psql("postgres", f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")


def test_the_worker_machines_compose_file_runs_a_worker(stack):
    """docker-compose.worker.yml's worker, with the same settings: it refuses to start without
    shared storage and a registry, and with them joins the main machine's queue."""
    remote = Deployment(stack.compose, stack.folder, name=f"{stack.name}w")
    remote.compose_file = "docker-compose.worker.yml"
    hostname = f"{stack.worker_hostname}-remote"
    remote.override = yaml.safe_dump(
        {
            "services": {
                "worker": {
                    "network_mode": "host",
                    "hostname": hostname,
                    "healthcheck": {"interval": "3s"},
                }
            }
        }
    )
    remote.env = {
        key: value
        for key, value in stack.env.items()
        if key not in ("ARENA_PIP_CA_BUNDLE", "ARENA_HTTP_PORT", "ARENA_HTTPS_PORT")
    }
    try:
        refused = remote("run", "--rm", "--no-deps", "-T", "worker", check=False)
        assert refused.returncode == 64
        assert "set ARENA_STORAGE=s3" in refused.stdout + refused.stderr
        # An address nothing listens on: the worker starts, and answers a ping, without them.
        remote.env.update(ARENA_STORAGE="s3", ARENA_S3_BUCKET="unused")
        refused = remote("run", "--rm", "--no-deps", "-T", "worker", check=False)
        assert refused.returncode == 64
        assert "set ARENA_REGISTRY" in refused.stdout + refused.stderr
        remote.env["ARENA_REGISTRY"] = "127.0.0.1:9"
        remote("up", "-d", "--no-deps", "worker")
        worker = remote.container("worker")
        wait_for(lambda: health(worker) == "healthy", 120, "the remote worker to be healthy")
        # The main machine's worker sees it through the broker.
        ping = run(
            ["docker", "exec", stack.container("worker"), "celery", "-A", "core", "inspect",
             "ping", "--timeout", "8"],
        ).stdout  # fmt: skip
        assert f"worker@{hostname}" in ping and f"worker@{stack.worker_hostname}" in ping
    finally:
        remote("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)


def test_the_health_checks_notice_a_worker_that_stopped_answering(stack):
    """Each role's check: the worker answers a ping through the broker, and fails it when its
    main process is stopped; the web check is the HTTP one; a one-off container is healthy."""
    worker = stack.container("worker")
    check = ["python", "/app/docker/healthcheck.py"]
    assert run(["docker", "exec", worker, *check]).returncode == 0
    pid = run(["docker", "inspect", "-f", "{{.State.Pid}}", worker]).stdout.strip()
    os.kill(int(pid), signal.SIGSTOP)
    try:
        stopped = run(["docker", "exec", worker, *check], check=False)
    finally:
        os.kill(int(pid), signal.SIGCONT)
    assert stopped.returncode == 1 and "no answer to a ping" in stopped.stdout
    assert run(["docker", "exec", stack.container("web"), *check]).returncode == 0
    image = stack.env["ARENA_IMAGE"]
    one_off = run(["docker", "run", "--rm", "--entrypoint", "python", image, *check[1:]])
    assert one_off.returncode == 0


CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || ""}:${event.lineNumber})`);
});
"""


@pytest.mark.browser
def test_the_pages_work_under_nginx_s_content_security_policy(stack, browser):
    """Chromium, through nginx over HTTPS: no page breaks a rule of the Content-Security-Policy
    (only the site itself: no inline script or style, no other origin). The suite's browser
    resolves arena.test to this machine (tests/browser/plugin.py)."""
    stack.nginx(domain=DOMAIN, certificate=True)
    site = f"https://{DOMAIN}:{stack.https_port}"
    pages = ["/", "/signup/", "/login/", "/games/tic-tac-toe/", "/admin/login/", "/api/v1/docs/"]
    state = stack.shell(STATE)
    if state["duels"]:
        duel = state["duels"][0]["id"]
        pages += [f"/duels/{duel}/", f"/duels/{duel}/matches/1/", "/games/tic-tac-toe/editions/1/"]
    violations = {}
    context = browser.new_context(ignore_https_errors=True)
    try:
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        for path in pages:
            response = page.goto(site + path, wait_until="networkidle")
            assert response.status == 200, path
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
            if path.startswith("/api/v1/"):  # the documentation drew the schema
                page.get_by_text("RL Arena API").first.wait_for(timeout=30_000)
            found = page.evaluate("window.__csp")
            if found:
                violations[path] = found
    finally:
        context.close()
    assert not violations, json.dumps(violations, indent=1)


def test_a_challenge_runs_on_its_queue_in_the_stack(stack):
    """A challenge asked for through nginx with the API: the compose worker takes it from the
    challenges queue (docker/entrypoint.sh) and plays it in player containers, unranked."""
    stack.nginx(domain=DOMAIN, certificate=True)
    browser = Browser(stack)
    standings = (
        "import json\nfrom core.models import TournamentParticipant, Tournament\n"
        "print(json.dumps([list(Tournament.objects.order_by('pk').values_list('pk', 'state')),"
        " list(TournamentParticipant.objects.order_by('pk').values_list("
        "'pk', 'rank', 'points', 'wins', 'draws', 'losses', 'total_score'))], default=str))"
    )
    before = stack.shell(standings)
    token = stack.shell(
        "import json\nfrom core.models import ApiToken, User\n"
        "print(json.dumps(ApiToken.create_for(User.objects.get(username='ada'))))"
    )
    api = {"Authorization": f"Bearer {token}"}
    sent = browser.session.post(
        f"{browser.base}/api/v1/challenges/",
        json={"game": "tic-tac-toe", "competitor": "e2e-dummy", "opponent": "e2e-random",
              "matches": 3},
        headers=api, timeout=60, verify=browser.verify,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    challenge = sent.json()
    assert challenge["kind"] == "challenge" and challenge["challenger"] == "ada"
    follow = f"{browser.base}/api/v1/challenges/{challenge['id']}/"

    def finished():
        duel = browser.session.get(follow, timeout=30, verify=browser.verify).json()
        return duel if duel["state"] in ("COMPLETED", "FAILED") else None

    try:
        duel = wait_for(finished, 300, "the challenge to be played", interval=2)
    except BaseException:
        print(stack.logs("worker"))
        raise
    assert duel["state"] == "COMPLETED" and duel["matches_done"] == 3, duel
    [row] = [d for d in stack.shell(STATE)["duels"] if d["id"] == challenge["id"]]
    assert row["worker"].startswith(f"{stack.worker_hostname}:")
    assert stack.shell(standings) == before  # no edition, no ranking changed
    page = browser.get(f"/duels/{challenge['id']}/")
    assert page.status_code == 200 and "Challenge by" in page.text and "unranked" in page.text


def test_live_duels_human_matches_the_api_and_the_cli_work_in_the_stack(stack):
    """Issue 6's features in the compose stack, through nginx over HTTPS: a finished duel's live
    stream, a whole human match against an agent held by the worker's play queue, the API with
    a token (a move computed by the worker) and `arena submit`. Last in the module: the new
    submission starts duels that the tests above must not see."""
    stack.nginx(domain=DOMAIN, certificate=True)
    finished = [d for d in stack.shell(STATE)["duels"] if d["state"] == "COMPLETED"]
    assert finished, "the submission test above leaves a completed duel"
    browser = Browser(stack)

    # The duel's events, kept in Redis after its end: read through nginx without buffering.
    events = browser.get(f"/duels/{finished[0]['id']}/live/events")
    assert events.status_code == 200
    assert events.headers["Content-Type"].startswith("text/event-stream")
    kinds = re.findall(r"^event: (\w+)$", events.text, re.MULTILINE)
    assert "move" in kinds and kinds[-2:] == ["duel_end", "end"], kinds

    # A human match against e2e-random, the human first, always playing the first valid cell.
    signed_up = browser.post(
        "/signup/",
        {"email": "grace@example.com", "username": "grace", "github_username": "", "team": "",
         "password1": "another long passphrase", "password2": "another long passphrase"},
    )  # fmt: skip
    assert signed_up.status_code == 302, signed_up.text[-2000:]
    started = browser.post(
        "/games/tic-tac-toe/competitors/e2e-random/revisions/1/play/", {"first": "human"}
    )
    assert started.status_code == 302, started.text[-2000:]
    match = re.search(r"/play/(\d+)/", started.headers["Location"]).group(1)

    played = -1  # the ply of the human's last move: the next turn comes after it

    def my_turn_or_end():
        status = browser.get(f"/play/{match}/state.json").json()
        if status["state"] == "FINISHED":
            return status
        return status if status["turn"] == "human" and status["ply"] > played else None

    for _ in range(5):
        status = wait_for(my_turn_or_end, 180, "the agent's reply", interval=0.5)
        if status["state"] == "FINISHED":
            break
        moved = browser.session.post(
            f"{browser.base}/play/{match}/move",
            json={"action": status["valid_actions"][0], "ply": status["ply"]},
            headers={"X-CSRFToken": browser.session.cookies["csrftoken"],
                     "Origin": browser.site, "Referer": f"{browser.site}/play/{match}/"},
            timeout=60, verify=browser.verify,
        )  # fmt: skip
        assert moved.status_code == 200, moved.text
        played = status["ply"]
    status = wait_for(
        lambda: (s := browser.get(f"/play/{match}/state.json").json())["state"] == "FINISHED"
        and s,
        180, "the human match's end",
    )  # fmt: skip
    assert status["result"] in ("HUMAN_WIN", "AGENT_WIN", "DRAW"), status

    # The API with a personal token: a move of e2e-random, computed in its sandbox by a worker.
    token = stack.shell(
        "import json\nfrom core.models import User\nfrom core.models import ApiToken\n"
        "print(json.dumps(ApiToken.create_for(User.objects.get(username='grace'))))"
    )
    api = {"Authorization": f"Bearer {token}"}
    games = browser.session.get(f"{browser.base}/api/v1/games/", timeout=60, verify=browser.verify)
    assert "tic-tac-toe" in games.text
    empty_board = [0.0] * 9 + [1.0]
    move = browser.session.post(
        f"{browser.base}/api/v1/games/tic-tac-toe/competitors/e2e-random/move/",
        json={"state": empty_board, "valid_actions": [2, 4, 6]},
        headers=api, timeout=90, verify=browser.verify,
    )  # fmt: skip
    # 200 at once, or 202 with the move's address while the worker starts the sandbox.
    deadline = time.monotonic() + 90
    while move.status_code == 202 and time.monotonic() < deadline:
        time.sleep(1)
        move = browser.session.get(
            f"{browser.base}{move.headers['Location']}", headers=api, timeout=30,
            verify=browser.verify,
        )  # fmt: skip
    assert move.status_code == 200, move.text
    assert move.json()["action"] in (2, 4, 6)

    # `arena submit`, from this machine, to the stack: built, validated and ranked there.
    submitted = subprocess.run(
        [sys.executable, "-m", "arena", "submit", "--game", "tic-tac-toe",
         "--competitor", "e2e-cli", str(EXAMPLE_PLAYERS / "dummy"),
         "--server", f"https://127.0.0.1:{stack.https_port}", "--token", token],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
        env={**os.environ, "SSL_CERT_FILE": browser.verify},
    )  # fmt: skip
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert "e2e-cli" in submitted.stdout


def test_a_remote_client_plays_a_hosted_agent_through_nginx(stack):
    """Issue 13's remote agents in the stack: `arena connect` on this machine plays a local
    player against e2e-random, held in its sandbox by the worker's play queue, every move a
    request through nginx over HTTPS on one keep-alive connection; the matches land in the
    owner's data set as remote ones. After the test above (grace and e2e-random exist)."""
    token = stack.shell(
        "import json\nfrom core.models import ApiToken, User\n"
        "print(json.dumps(ApiToken.create_for(User.objects.get(username='grace'))))"
    )
    server = f"https://127.0.0.1:{stack.https_port}"
    certificate = str(stack.folder / "letsencrypt" / "live" / DOMAIN / "fullchain.pem")

    def arena_connect(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "arena", "connect", *args, "--server", server,
             "--token", token],
            capture_output=True, text=True, timeout=600, cwd=ROOT,
            env={**os.environ, "SSL_CERT_FILE": certificate},
        )  # fmt: skip

    played = arena_connect(
        "--game", "tic-tac-toe", "--against", "e2e-random@1",
        "--player", str(EXAMPLE_PLAYERS / "dummy"), "--matches", "2",
    )  # fmt: skip
    assert played.returncode == 0, played.stdout + played.stderr
    assert played.stdout.splitlines()[-1].startswith("2 matches against e2e-random: W-D-L ")
    recorded = stack.shell(
        "import json\nfrom core.models import HumanMatch\n"
        "print(json.dumps(list(HumanMatch.objects.filter(client='remote')"
        ".order_by('pk').values_list('state', 'human_first'))))"
    )
    assert recorded == [["FINISHED", True], ["FINISHED", False]]

    pinged = arena_connect("--ping", "--count", "5")
    assert pinged.returncode == 0, pinged.stderr
    assert re.match(
        r"round trip to .* over 5 calls: min [\d.]+ ms, median [\d.]+ ms, max", pinged.stdout
    )
