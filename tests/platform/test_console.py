"""The maintainer's console (console/): its commands, found by name as before the move."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from core.sandbox import sandbox_kind
from tests.platform import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def process_sandbox(settings):
    """No Docker: the orphaned-container clean-up has nothing to look at."""
    settings.ARENA_SANDBOX = "process"
    settings.ARENA_ALLOW_PROCESS_SANDBOX = True
    sandbox_kind.cache_clear()
    yield
    sandbox_kind.cache_clear()


def test_requeue_stuck_sweeps_and_cleans_up(process_sandbox):
    out = io.StringIO()
    call_command("requeue_stuck", "--older-than", "60", stdout=out)
    assert out.getvalue() == (
        "builds: 0, builds given up: 0, validations: 0, validations given up: 0, "
        "duels: 0, duels given up: 0, orphaned containers: 0\n"
    )


def test_rerun_tournament_plays_every_duel_again(django_capture_on_commit_callbacks):
    one = factories.valid_revision()
    factories.valid_revision()
    out = io.StringIO()
    with django_capture_on_commit_callbacks() as sent:
        call_command("rerun_tournament", one.competitor.environment.slug, stdout=out)
    assert out.getvalue() == "tic-tac-toe: edition 1 with 1 duels queued\n"
    assert len(sent) == 1  # its duel, sent to be played once committed
    with pytest.raises(CommandError, match="no game 'nope'"):
        call_command("rerun_tournament", "nope")
