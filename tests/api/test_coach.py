"""The coach in the API: a duel's analysis and a revision's blunder report."""

from __future__ import annotations

import pytest

from core.models import DuelAnalysis
from duel_runner.coach import analyse_duel
from run_duel import coach
from tests.platform.coach_duels import completed_duel, revision_of

pytestmark = pytest.mark.django_db


def test_a_duel_s_analysis(anonymous) -> None:
    duel = completed_duel()
    url = f"/api/v1/duels/{duel.pk}/analysis/"
    pending = anonymous.get(url).json()
    assert pending["state"] == "pending" and pending["blunders"] == [] and pending["stats"] is None
    assert analyse_duel(duel.pk) == DuelAnalysis.DONE
    data = anonymous.get(url).json()
    assert data["state"] == "done" and data["why"] == ""
    [blunder] = data["blunders"]
    assert (blunder["mover"], blunder["move"], blunder["before"], blunder["after"]) == (
        1,
        "b1",
        0,
        -1,
    )
    assert blunder["occurrences"] == [
        {"match": 2, "step": 1, "replay": f"/duels/{duel.pk}/matches/2/#step-1"}
    ]
    start = data["positions"][coach.position_key([0] * 9 + [1])]
    assert start == {"value": 0, "plies": 9, "best": [0, 1, 2, 3, 4, 5, 6, 7, 8]}
    assert data["stats"]["unknown"] == 0


def test_a_revision_s_blunder_report_is_as_public_as_its_replays(anonymous) -> None:
    private = revision_of("secretive", public=False)
    duel = completed_duel(private, revision_of("open"))
    analyse_duel(duel.pk)
    c = private.competitor
    data = anonymous.get(
        f"/api/v1/games/tic-tac-toe/competitors/{c.name}/revisions/1/blunders/"
    ).json()
    assert data["solver"] is True and data["why"] == ""
    assert (data["duels"], data["analysed"], data["pending"], data["blunders"]) == (1, 1, 0, 1)
    [group] = data["positions"]
    assert group["move"] == "b1" and group["count"] == 1
    assert group["occurrences"][0]["duel"] == duel.pk


def test_unknown_revisions_and_duels_are_404(anonymous) -> None:
    assert anonymous.get("/api/v1/duels/999999/analysis/").status_code == 404
    url = "/api/v1/games/tic-tac-toe/competitors/nobody/revisions/1/blunders/"
    assert anonymous.get(url).status_code == 404
