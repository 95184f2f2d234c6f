"""What arena rerun reads: a duel's seeds and the links to its players' sources, which follow
the site's access rules (a private source is its owner's and staff's)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from arena.client import zip_folder
from run_duel.seeds import match_seed
from tests.api.conftest import client_with_token
from tests.conftest import EXAMPLE_PLAYERS
from tests.web.test_duels import make_duel, play

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def record():
    return play(num_matches=4)


@pytest.fixture
def duel(record, owner):
    duel = make_duel(record, owner=owner)  # player 1 private (owner's), player 2 public
    for revision in (duel.revision_1, duel.revision_2):
        revision.zip_file.save(
            f"src-{revision.pk}.zip", ContentFile(zip_folder(EXAMPLE_PLAYERS / "random"))
        )
    return duel


def test_a_duel_gives_its_seeds(duel, record, anonymous):
    data = anonymous.get(f"/api/v1/duels/{duel.pk}/").json()
    assert data["seed"] == record["seed"]
    assert [m["seed"] for m in data["matches"]] == [
        match_seed(record["seed"], n) for n in range(1, 5)
    ]
    match = anonymous.get(f"/api/v1/duels/{duel.pk}/matches/2/").json()
    assert match["seed"] == match_seed(record["seed"], 2)


def test_a_private_source_is_linked_and_served_to_its_owner_only(duel, owner, stranger, anonymous):
    seen = anonymous.get(f"/api/v1/duels/{duel.pk}/").json()
    assert seen["player_1_source"] is None
    public = seen["player_2_source"]
    assert public.endswith(
        "/api/v1/games/tic-tac-toe/competitors/random-bot/revisions/1/source.zip"
    )
    response = anonymous.get(public)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content).startswith(b"PK")

    private = "/api/v1/games/tic-tac-toe/competitors/minimax/revisions/1/source.zip"
    assert anonymous.get(private).status_code == 404
    assert client_with_token(stranger).get(private).status_code == 404
    as_owner = client_with_token(owner)
    assert as_owner.get(f"/api/v1/duels/{duel.pk}/").json()["player_1_source"].endswith(private)
    assert as_owner.get(private).status_code == 200


def test_the_duel_page_shows_the_command_that_plays_it_again(duel, record, client, settings):
    settings.ARENA_SITE_URL = "https://arena.example"
    page = client.get(f"/duels/{duel.pk}/").content.decode()
    assert (
        f'<pre id="rerun-command">arena rerun https://arena.example/duels/{duel.pk}/</pre>' in page
    )
    assert f"duel seed {record['seed']}" in page
    assert "minimax is private: only its owner can re-run it" in page


def test_a_duel_recorded_before_seeds_offers_no_command(record, client):
    old = make_duel({k: v for k, v in record.items() if k != "seed"})
    page = client.get(f"/duels/{old.pk}/").content.decode()
    assert "arena rerun" not in page
    assert client.get(f"/api/v1/duels/{old.pk}/").json()["seed"] is None
