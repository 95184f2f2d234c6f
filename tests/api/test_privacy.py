"""No private field reaches a stranger through the API, on any endpoint.

The walk enumerates the URL patterns of web/api/urls.py: a new endpoint is walked as soon as
it exists (and a new kind of URL parameter fails the test until privacy.py gives it a value).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient, client_with_token
from tests.api.privacy import MARKER, addresses, body, hidden_world
from web.api import urls as api_urls

pytestmark = pytest.mark.django_db


def walk(client, values) -> dict[str, list[tuple[int, str]]]:
    """Every API address, as GET (the API's reads) and OPTIONS: route -> [(status, body)]."""
    seen: dict[str, list[tuple[int, str]]] = {}
    for route, address, unknown in addresses(api_urls.urlpatterns, values, "/api/v1/"):
        assert not unknown, f"{route}: give privacy.hidden_world a value for {sorted(unknown)}"
        for response in (client.get(address, {"page_size": 100}), client.options(address)):
            seen.setdefault(route, []).append((response.status_code, body(response)))
    return seen


def test_no_endpoint_shows_a_private_competitor_s_secrets_to_a_stranger(owner, stranger):
    as_owner = client_with_token(owner)  # first: a new token drops the moves of the old one
    world = hidden_world(owner)
    for who, client in (("anonymous", ApiClient()), ("stranger", client_with_token(stranger))):
        for route, answers in walk(client, world.values).items():
            for status, text in answers:
                assert MARKER not in text, f"{who} reads the marker at {route} ({status})"
    # The walk reaches the private things: their owner finds the marker where it belongs.
    owners = walk(as_owner, world.values)
    found = {route for route, answers in owners.items() if any(MARKER in t for _, t in answers)}
    assert {
        "/api/v1/games/<slug:slug>/competitors/<slug:name>/revisions/",
        "/api/v1/games/<slug:slug>/competitors/<slug:name>/revisions/<int:version>/",
        "/api/v1/duels/<int:pk>/",
        "/api/v1/duels/<int:pk>/matches/<int:number>/",
        "/api/v1/moves/<uuid:move_id>/",
    } <= found
    # Every read endpoint answered someone (a walk of 404s would prove nothing).
    for route, answers in owners.items():
        if not route.endswith("/move/"):  # POST only
            assert any(status == 200 for status, _ in answers), route


def test_the_validation_duel_keeps_its_counters_public(owner, anonymous):
    hidden_world(owner)
    address = "/api/v1/games/tic-tac-toe/competitors/secretive/revisions/2/"
    revision = ApiClient().get(address).json()
    assert revision["test_error"] is None and revision["test_log_1"] is None
    assert revision["test_duel"]["player_1_errors"] == 2
    assert revision["test_duel"]["result"] == "PLAYER_2_WIN"
    assert "error_msg" not in revision["test_duel"]
