"""``arena challenge`` against a live server, run as a participant runs it (its own process,
HTTP): a challenge played to its result by a real Celery worker in Docker, and its refusals
in one line."""

from __future__ import annotations

import pytest

from arena import results
from core import pipeline
from core.models import ApiToken, Duel, Revision
from tests.cli.test_submit_cli import arena
from tests.conftest import EXAMPLE_PLAYERS, wait_for
from tests.platform import factories
from web.services import start_challenge


@pytest.fixture
def cli_user(transactional_db):
    return factories.user("cli-user")


@pytest.fixture
def token(cli_user) -> str:
    return ApiToken.create_for(cli_user)


@pytest.mark.docker
@pytest.mark.services
@pytest.mark.slow
def test_it_sends_a_challenge_follows_it_and_shows_its_result(
    live_server, celery_processes, docker_client, cli_user, token
):
    celery_processes.worker("worker1", queues=f"arena,{pipeline.CHALLENGES_QUEUE}")
    factories.submit(EXAMPLE_PLAYERS / "minimax", name="mine", owner=cli_user)
    theirs = factories.submit(EXAMPLE_PLAYERS / "random", name="theirs")
    theirs.competitor.is_public = True
    theirs.competitor.save()

    def validated():
        return {r.test_state for r in Revision.objects.all()} <= {Revision.TEST_COMPLETED}

    wait_for(validated, 240, message="the validations")
    result = arena(
        "challenge", "-g", "tic-tac-toe", "-c", "mine", "--against", "theirs@1", "-n", "4",
        server=live_server.url, token=token,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    duel = Duel.objects.get(kind=Duel.CHALLENGE)
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"challenge {duel.pk} sent: mine v1 against theirs v1, 4 matches, unranked: "
        f"{live_server.url}/duels/{duel.pk}/"
    )
    assert duel.state == Duel.COMPLETED and duel.challenger == cli_user
    won = duel.matches_won
    score_1, score_2 = (results.format_score(s) for s in (duel.player_1_score, duel.player_2_score))
    assert f"  mine v1    matches W-D-L {won[0]}-{duel.draws}-{won[1]}  score {score_1}" in lines
    assert f"  theirs v1  matches W-D-L {won[1]}-{duel.draws}-{won[0]}  score {score_2}" in lines
    winner = {"PLAYER_1_WIN": "mine v1 won", "PLAYER_2_WIN": "theirs v1 won"}.get(
        duel.result, "the challenge is a draw"
    )
    assert winner in lines[-1] and "unranked: no ranking changed" in lines[-1]


@pytest.mark.services
def test_it_says_why_a_challenge_is_refused_in_one_line(
    live_server, cli_user, token, settings, redis_broker
):
    mine = factories.valid_revision(factories.competitor(name="mine", owner=cli_user))
    theirs = factories.valid_revision(factories.competitor(name="theirs", is_public=True))
    factories.valid_revision(factories.competitor(name="hidden"))
    cases = [
        (["-a", "hidden"], "hidden is private: you can challenge public competitors and your own"),
        (["-a", "theirs@x"], "--against 'theirs@x': give a competitor's name, or name@version"),
        (["-a", "theirs", "-n", "99"], "has from 1 to 6 matches"),
        (["-a", "nobody"], "Tic-tac-toe has no competitor named 'nobody'"),
    ]
    settings.ARENA_CHALLENGES_PER_DAY = 1
    start_challenge(cli_user, mine, theirs, 1)
    cases.append((["-a", "theirs"], "You have used your 1 challenge of the last 24 hours"))
    for args, words in cases:
        result = arena(
            "challenge", "-g", "tic-tac-toe", "-c", "mine", *args,
            server=live_server.url, token=token,
        )  # fmt: skip
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("arena: ") and words in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert Duel.objects.count() == 1
