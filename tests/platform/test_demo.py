"""The README's demo command, as a fresh clone runs it (embedded: SQLite, no broker)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from arena import results
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
    # The demo turns early stopping on and says what it saved.
    assert "Early stop (sprt): " in out and "planned matches played" in out
    # The leaderboards read as on the site: its columns, W-D-L, its formats (arena.results).
    assert out.count(results.RANKED_BY) == 3
    assert [line.split() for line in out.splitlines()].count(list(results.LEADERBOARD_HEADER)) == 3
    with sqlite3.connect(tmp_path / "arena.sqlite3") as db:
        standings = db.execute(
            "SELECT p.rank, c.name, r.version, u.username, p.points, p.wins, p.draws, p.losses,"
            " p.total_score, p.rating, p.next_confidence, p.next_separated"
            " FROM core_tournamentparticipant p"
            " JOIN core_revision r ON r.id = p.revision_id"
            " JOIN core_competitor c ON c.id = r.competitor_id"
            " JOIN core_user u ON u.id = c.owner_id"
        ).fetchall()
    lines = [line.split() for line in out.splitlines()]
    assert standings
    for row in standings:
        rank, name, version, owner, points, wins, draws, losses, score, rating, sure, apart = row
        expected = [
            str(rank), name, f"v{version}", owner, str(points), str(wins), str(draws),
            str(losses), results.format_score(score), results.format_rating(rating),
            results.format_confidence(
                sure, None if apart is None else bool(apart), mark=results.TIED_MARK_TERMINAL
            ),
        ]  # fmt: skip
        assert expected in lines, (expected, out)
