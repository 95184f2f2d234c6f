"""``arena rerun`` against a live server (real PostgreSQL; players in the process sandbox):
a duel played again move for move, a private source refused without its owner's token, a
player reading os.urandom found at the right move. The platform's Docker version is
tests/platform/test_rerun.py."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from arena.client import CliError, zip_folder
from arena.rerun import divergence_words, duel_address
from arena.rerun import main as rerun
from core.models import ApiToken, Duel, Environment, Revision
from run_duel import Limits, run_duel
from run_duel.divergence import Divergence
from run_duel.sandboxes import PROCESS, PlayerSpec, open_player
from tests.conftest import EXAMPLE_PLAYERS, ROOT
from tests.platform import factories

RANDOM = EXAMPLE_PLAYERS / "random"
URANDOM = ROOT / "tests" / "run_duel" / "players" / "urandom"


def test_it_reads_a_duels_address_or_number():
    assert duel_address("https://arena.example/duels/42/", None) == ("https://arena.example", 42)
    assert duel_address("http://h:8000/api/v1/duels/7/", None) == ("http://h:8000", 7)
    assert duel_address("https://a.example/duels/3/matches/2/", "http://x") == ("http://x", 3)
    assert duel_address("12", "http://x") == ("http://x", 12)
    with pytest.raises(CliError, match="is not a duel"):
        duel_address("https://arena.example/games/", None)


def test_it_words_a_divergence():
    names = {1: "ann's bot v1", 2: "bob's rand v2"}
    words = divergence_words(Divergence(3, 5, 2, "played c3", "played b1"), names)
    assert words == (
        "diverged in match 3 at move 5: player 2 (bob's rand v2) played c3 on the server, "
        "but played b1 here"
    )


# --- against a live server ------------------------------------------------------------------


def _revision(folder: Path, name: str, **fields: Any) -> Revision:
    competitor = factories.competitor(name=name, **fields)
    revision = factories.valid_revision(competitor)
    revision.zip_file.save(f"{name}.zip", ContentFile(zip_folder(folder)))
    return revision


def _played(revision_1: Revision, revision_2: Revision, folders: tuple[Path, Path]) -> Duel:
    """A duel row with the record its two players make in the process sandbox."""
    limits = Limits.for_environment("tic-tac-toe")
    with contextlib.ExitStack() as stack:
        players = [
            open_player(PlayerSpec(PROCESS, folder, f"player {n}", limits), stack)
            for n, folder in enumerate(folders, start=1)
        ]
        record = run_duel("tic-tac-toe", players[0], players[1], 4)
    duel = Duel.objects.create(
        environment=Environment.objects.get(slug="tic-tac-toe"),
        revision_1=revision_1,
        revision_2=revision_2,
        rules_version=record["rules_version"],
        num_matches=4,
        matches_done=4,
        state=Duel.COMPLETED,
        result=record["result"],
    )
    duel.record_file.save(f"{duel.pk}.json", ContentFile(json.dumps(record).encode()))
    return duel


def _rerun(*args: str, token: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    argv = [*args, "--sandbox", "process", "--quiet"] + (["--token", token] if token else [])
    return rerun(argv, out), out.getvalue()


@pytest.fixture
def server(live_server, monkeypatch) -> str:
    monkeypatch.delenv("ARENA_TOKEN", raising=False)
    return live_server.url


@pytest.mark.django_db(transaction=True)
def test_a_duel_is_played_again_move_for_move_and_a_private_source_needs_its_owner(server, capsys):
    owner = factories.user("rerun-owner")
    mine = _revision(RANDOM, "mine", owner=owner, is_public=False)
    theirs = _revision(RANDOM, "theirs", is_public=True)
    duel = _played(mine, theirs, (RANDOM, RANDOM))
    url = f"{server}/duels/{duel.pk}/"

    code, _ = _rerun(url)
    assert code == 2
    assert "the source of player 1 (rerun-owner's mine v1) is private" in capsys.readouterr().err

    token = ApiToken.create_for(owner)
    code, out = _rerun(url, token=token)
    assert code == 0, out + capsys.readouterr().err
    assert out.startswith(f"every move matched: duel {duel.pk} of tic-tac-toe")

    code, out = _rerun(str(duel.pk), "--server", server, "--match", "3", token=token)
    assert code == 0 and "match 3 played here exactly as on the server" in out

    code, _ = _rerun(url, "--match", "9", token=token)
    assert code == 2 and "has no match 9" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_player_reading_os_urandom_is_reported_at_its_first_differing_move(
    server, tmp_path, capsys
):
    duel = _played(
        _revision(RANDOM, "seeded", is_public=True),
        _revision(URANDOM, "urandom", is_public=True),
        (RANDOM, URANDOM),
    )
    with duel.record_file.open("rb") as file:
        server_matches = json.load(file)["matches"]
    output = tmp_path / "replay.json"
    code, out = _rerun(f"{server}/duels/{duel.pk}/", "--output", str(output))
    local_matches = json.loads(output.read_text())["matches"]
    expected = _first_differing_move(server_matches, local_matches)
    # Sixteen or so os.urandom draws all picking the same moves again: about one in 10**10.
    assert expected is not None, out
    number, ply, player = expected
    assert code == 1, out + capsys.readouterr().err
    assert player == 2  # the seeded random player never diverges first
    assert out.startswith(f"diverged in match {number} at move {ply}: player 2 (")
    assert "os.urandom" in out


def _first_differing_move(server, local):
    for number, (mine, theirs) in enumerate(zip(server, local, strict=True), start=1):
        first = 1 if mine["first_player"] == "PLAYER_1" else 2
        for ply in range(1, max(len(mine["states"]), len(theirs["states"]))):
            if mine["states"][ply : ply + 1] != theirs["states"][ply : ply + 1]:
                return number, ply, first if ply % 2 else 3 - first
    return None


@pytest.mark.django_db(transaction=True)
def test_a_duel_without_seeds_or_unknown_is_refused(server, capsys):
    duel = _played(
        _revision(RANDOM, "a", is_public=True), _revision(RANDOM, "b", is_public=True),
        (RANDOM, RANDOM),
    )  # fmt: skip
    with duel.record_file.open("rb") as file:
        record = json.load(file)
    del record["seed"]
    duel.record_file.save(f"{duel.pk}-old.json", ContentFile(json.dumps(record).encode()))
    code, _ = _rerun(f"{server}/duels/{duel.pk}/")
    assert code == 2 and "before the arena recorded seeds" in capsys.readouterr().err
    code, _ = _rerun(f"{server}/duels/{duel.pk + 100}/")
    assert code == 2 and f"there is no duel {duel.pk + 100}" in capsys.readouterr().err
