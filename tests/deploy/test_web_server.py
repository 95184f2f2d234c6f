"""The web container's server: gunicorn with uvicorn's worker serving core.asgi, started here
on loopback with the production settings file (docker/gunicorn.conf.py), as the entrypoint does."""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.conftest import free_port

pytestmark = pytest.mark.services


def test_the_settings_file_names_the_asgi_worker_and_the_entrypoint_the_asgi_app():
    config = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))
    assert config["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert "threads" not in config  # a thread per stream is what it replaced
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "gunicorn --config /app/docker/gunicorn.conf.py core.asgi:application" in entrypoint
    server_requirements = (ROOT / "docker" / "requirements-server.txt").read_text()
    assert "uvicorn-worker" in server_requirements and "gunicorn" in server_requirements


def test_gunicorn_serves_pages_and_a_live_stream_with_the_production_settings(
    transactional_db, redis_broker, settings
):
    port = free_port()
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        ARENA_SECRET_KEY="tests-only-secret-key-that-is-long-enough-0123",
        ARENA_ALLOWED_HOSTS="127.0.0.1",
        ARENA_WEB_BIND=f"127.0.0.1:{port}",
        ARENA_WEB_WORKERS="1",
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    config = str(ROOT / "docker" / "gunicorn.conf.py")
    server = subprocess.Popen(
        [gunicorn, "--config", config, "--worker-tmp-dir", "/tmp", "core.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        home = None
        for _ in range(150):
            try:
                home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        assert home is not None, "gunicorn did not answer"
        assert home.status == 200 and home.headers["server"] == "uvicorn"
        # A finished (here: unknown) duel's stream answers at once; a missing one is a 404.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/duels/999999/live/events", timeout=5)
        assert missing.value.code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
