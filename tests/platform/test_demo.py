"""The README's demo command, as a fresh clone runs it (embedded: SQLite, no broker)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_the_demo_ends_with_leaderboards(tmp_path, docker_client):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        and not key.startswith("ARENA_")
    }
    env.update(
        ARENA_VAR_DIR=str(tmp_path),
        ARENA_SANDBOX="auto",
        ARENA_ALLOW_PROCESS_SANDBOX="true",
        ARENA_DUEL_MATCHES="4",
        ARENA_LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "arena_demo", "--no-serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "sandbox: docker" in out
    assert "rejected: player 1 failed to start: ModuleNotFoundError" in out
    for game in ("Tic-tac-toe", "Connect four", "Quarto"):
        assert f"{game} leaderboard (edition 1, completed)" in out
    assert (tmp_path / "arena.sqlite3").exists()
