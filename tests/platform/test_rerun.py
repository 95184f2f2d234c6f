"""``arena rerun`` of duels the platform played (real PostgreSQL, Redis, a Celery worker,
Docker): the example random player against itself plays again here move for move; a player
reading os.urandom is reported at the first move where it played otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.models import ApiToken, Duel, Environment, Revision
from tests.conftest import EXAMPLE_PLAYERS, ROOT, wait_for
from tests.platform import factories

pytestmark = [pytest.mark.docker, pytest.mark.services, pytest.mark.slow]

RANDOM = EXAMPLE_PLAYERS / "random"
URANDOM = ROOT / "tests" / "run_duel" / "players" / "urandom"


@pytest.fixture
def server(live_server, celery_processes, docker_client):
    # (Not no_leftover_containers: other test runs share this Docker engine at the same time.)
    celery_processes.worker("worker1")
    return live_server.url


def arena(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a participant runs it, in its own process, over HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env["PYTHONPATH"] = str(ROOT)
    if token:
        env["ARENA_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "arena", *args, "--sandbox", "docker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _submitted(folder, name: str, **fields) -> Revision:
    factories.competitor(name=name, **fields)
    return factories.submit(folder, name=name)


def _validated(revision: Revision) -> None:
    def done():
        revision.refresh_from_db()
        return revision.test_state in (Revision.TEST_COMPLETED, Revision.TEST_FAILED)

    wait_for(done, 300, message=f"the validation of {revision}")
    assert revision.test_state == Revision.TEST_COMPLETED, revision.test_error


def _duel_of(one: Revision, other: Revision) -> Duel:
    pair = [one.pk, other.pk]
    return Duel.objects.get(revision_1__in=pair, revision_2__in=pair)


def test_platform_duels_are_played_again_here(server, tmp_path):
    from tournament_manager.services import schedule_tournament

    owner = factories.user("rerun-owner")
    mine = _submitted(RANDOM, "random-mine", owner=owner, is_public=False)
    public = _submitted(RANDOM, "random-public", is_public=True)
    noisy = _submitted(URANDOM, "urandom", is_public=True)
    for revision in (mine, public, noisy):
        _validated(revision)
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"))

    def finished():
        return not tournament.duels.exclude(state__in=[Duel.COMPLETED, Duel.FAILED]).exists()

    wait_for(finished, 300, message="the edition's duels")
    random_duel = _duel_of(mine, public)
    assert random_duel.state == Duel.COMPLETED, random_duel.error_msg

    # The random player against itself, one of them private: its owner re-runs it.
    token = ApiToken.create_for(owner)
    same = arena("rerun", f"{server}/duels/{random_duel.pk}/", token=token)
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout.startswith(f"every move matched: duel {random_duel.pk} of tic-tac-toe")

    # os.urandom: reported at the first move where the server's and this machine's differ.
    noisy_duel = _duel_of(public, noisy)
    output = tmp_path / "replay.json"
    diverged = arena("rerun", f"{server}/duels/{noisy_duel.pk}/", "--output", str(output))
    with noisy_duel.record_file.open("rb") as file:
        server_matches = json.load(file)["matches"]
    local_matches = json.loads(output.read_text())["matches"]
    number, ply, player = _first_differing_move(server_matches, local_matches)
    noisy_side = 1 if noisy_duel.revision_1_id == noisy.pk else 2
    assert player == noisy_side
    assert diverged.returncode == 1, diverged.stdout + diverged.stderr
    assert diverged.stdout.startswith(
        f"diverged in match {number} at move {ply}: player {player} ("
    )


def _first_differing_move(server, local):
    """(match, move, player) of the first state that differs, from the states alone."""
    for number, (mine, theirs) in enumerate(zip(server, local, strict=True), start=1):
        first = 1 if mine["first_player"] == "PLAYER_1" else 2
        for ply in range(1, max(len(mine["states"]), len(theirs["states"]))):
            if mine["states"][ply : ply + 1] != theirs["states"][ply : ply + 1]:
                return number, ply, first if ply % 2 else 3 - first
    pytest.fail("os.urandom picked every move again (about one chance in 10**10)")
