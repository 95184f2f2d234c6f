"""``arena submit`` against a live server: real PostgreSQL, a real Celery worker and Docker.

The command runs as a participant runs it, in its own process, speaking HTTP to the server.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from arena import results
from core.models import ApiToken, Competitor, Revision, TournamentParticipant
from tests.conftest import EXAMPLE_PLAYERS, ROOT
from tests.platform import factories

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]


def arena(*args: str, server: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env.update(ARENA_SERVER=server, PYTHONPATH=str(ROOT))
    if token is not None:
        env["ARENA_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "arena", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def server(live_server, celery_processes, docker_client):
    # (Not no_leftover_containers: other test runs share this Docker engine at the same time.)
    celery_processes.worker("worker1")
    return live_server.url


@pytest.fixture
def token(transactional_db) -> str:
    return ApiToken.create_for(factories.user("cli-user"))


def _rank_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("cli-bot v"))


def test_it_submits_follows_and_shows_the_new_revisions_rank(server, token, celery_processes):
    celery_processes.beat()  # forms the editions, as in production
    rival = arena(
        "submit", "-g", "tic-tac-toe", "-c", "rival", "--rank-wait", "0",
        str(EXAMPLE_PLAYERS / "dummy"), server=server, token=token,
    )  # fmt: skip
    assert rival.returncode == 0, rival.stdout + rival.stderr
    assert "rival v1 is not ranked yet: it plays in the next edition" in rival.stdout

    first = arena(
        "submit", "--game", "tic-tac-toe", "--competitor", "cli-bot",
        str(EXAMPLE_PLAYERS / "random"), server=server, token=token,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert "created the private competitor cli-bot" in first.stdout
    assert "uploaded revision 1 of cli-bot" in first.stdout
    assert "validation: passed" in first.stdout
    competitor = Competitor.objects.get(name="cli-bot")
    assert competitor.owner.username == "cli-user"
    v1 = TournamentParticipant.objects.get(revision__competitor=competitor, revision__version=1)
    assert _rank_line(first.stdout).startswith(
        f"cli-bot v1 is ranked {v1.rank} of 2 in edition {v1.tournament.edition} of Tic-tac-toe"
    )

    # The next revision: the rank shown is the new revision's, from the edition that ranks it,
    # never the previous revision's.
    second = arena(
        "submit", "-g", "tic-tac-toe", "-c", "cli-bot",
        str(EXAMPLE_PLAYERS / "minimax"), server=server, token=token,
    )  # fmt: skip
    assert second.returncode == 0, second.stdout + second.stderr
    assert "uploaded revision 2 of cli-bot" in second.stdout
    v2 = TournamentParticipant.objects.get(revision__competitor=competitor, revision__version=2)
    assert v2.tournament.edition > v1.tournament.edition
    assert v2.tournament.state == "COMPLETED"
    assert _rank_line(second.stdout).startswith(
        f"cli-bot v2 is ranked {v2.rank} of 2 in edition {v2.tournament.edition} of Tic-tac-toe"
    )
    assert competitor.revisions.get(version=2).test_state == Revision.TEST_COMPLETED
    # Then the edition's leaderboard, in the site's columns, order and formats.
    lines = second.stdout.split(results.RANKED_BY)[1].strip().splitlines()
    assert lines[0].split() == list(results.LEADERBOARD_HEADER)
    board = v2.tournament.participants.select_related("revision__competitor__owner")
    assert [line.split() for line in lines[1:]] == [
        [
            str(p.rank), p.revision.competitor.name, f"v{p.revision.version}",
            p.revision.competitor.owner.username, str(p.points), str(p.wins), str(p.draws),
            str(p.losses), results.format_score(p.total_score), results.format_rating(p.rating),
            results.format_confidence(
                p.next_confidence, p.next_separated, mark=results.TIED_MARK_TERMINAL
            ),
        ]
        for p in board.order_by("rank", "pk")
    ]  # fmt: skip


def test_it_shows_why_a_revision_failed_once_and_exits_non_zero(server, token):
    result = arena(
        "submit", "--game", "tic-tac-toe", "--competitor", "broken",
        str(EXAMPLE_PLAYERS / "hostile" / "import_error"), server=server, token=token,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    # One error line, on standard error...
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("arena: the validation of revision 1 failed: player ")
    assert "ModuleNotFoundError" in result.stderr
    # ...and the one log that tells why, once (both players of a validation are the same code).
    assert "--- the end of player 1's log ---" in result.stdout
    assert (result.stdout + result.stderr).count("Traceback (most recent call last)") == 1
    assert "fix it, then run arena submit again" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--game", "chess"], "There is no game 'chess'"),
        (["--game", "quarto", "--token", "arena_wrong"], "refused your API token"),
    ],
)
def test_it_says_what_is_wrong_in_one_line(live_server, token, args, words):
    result = arena(
        "submit", "--competitor", "x", *args, str(EXAMPLE_PLAYERS / "random"),
        server=live_server.url, token=token,
    )  # fmt: skip
    assert result.returncode == 2
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


def test_it_says_when_the_server_is_unreachable_or_the_token_missing(tmp_path):
    result = arena(
        "submit", "-g", "quarto", "-c", "x", str(EXAMPLE_PLAYERS / "random"),
        server="http://127.0.0.1:9", token="arena_x",
    )  # fmt: skip
    assert (
        result.returncode == 3 and "cannot reach the arena at http://127.0.0.1:9" in result.stderr
    )
    result = arena("submit", "-g", "quarto", "-c", "x", str(tmp_path), server="x", token=None)
    assert result.returncode == 2 and "no API token" in result.stderr
    result = arena("submit", "-g", "quarto", "-c", "x", str(tmp_path), server="x", token="t")
    assert result.returncode == 2 and "has no player.py" in result.stderr


def test_it_runs_the_dev_kits_duel_under_the_same_name(tmp_path):
    output = tmp_path / "duel.json"
    result = arena(
        "duel", "-e", "tic-tac-toe", "--player-1", str(EXAMPLE_PLAYERS / "random"),
        "--player-2", str(EXAMPLE_PLAYERS / "dummy"), "-n", "2", "--sandbox", "process",
        "-o", str(output), server="x", token=None,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"num_matches": 2' in output.read_text()
