"""No page shows a private competitor's secrets to a stranger: every address of the site
(web/urls.py, the API apart: tests/api/test_privacy.py) is walked for the private competitor
of tests/api/privacy.py, as a logged-in stranger and as an anonymous visitor."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import URLResolver

from tests.api.privacy import MARKER, addresses, body, hidden_world
from web import urls as web_urls

pytestmark = pytest.mark.django_db

# Parameters of pages that are not about competitors (a password reset link's).
NOT_ABOUT_COMPETITORS = {"uidb64", "token"}


def walk(client, values) -> dict[str, list[tuple[int, str]]]:
    pages = [p for p in web_urls.urlpatterns if not isinstance(p, URLResolver)]
    seen: dict[str, list[tuple[int, str]]] = {}
    for route, address, unknown in addresses(pages, values):
        assert unknown <= NOT_ABOUT_COMPETITORS, f"{route}: give privacy.py a value for {unknown}"
        if unknown:
            continue
        response = client.get(address)
        seen.setdefault(route, []).append((response.status_code, body(response)))
    return seen


@override_settings(ARENA_LIVE_STREAM_SECONDS=1)
def test_no_page_shows_a_private_competitor_s_secrets_to_a_stranger(
    owner, anonymous, as_stranger, as_owner
):
    world = hidden_world(owner)
    for who, client in (("anonymous", anonymous), ("stranger", as_stranger)):
        for route, answers in walk(client, world.values).items():
            for status, text in answers:
                assert MARKER not in text, f"{who} reads the marker at {route} ({status})"
    owners = walk(as_owner, world.values)
    found = {route for route, answers in owners.items() if any(MARKER in t for _, t in answers)}
    assert {
        "/games/<slug:slug>/competitors/<slug:name>/revisions/<int:version>/",
        "/duels/<int:pk>/",
        "/duels/<int:pk>/logs/<int:side>.log",
        "/games/<slug:slug>/competitors/<slug:name>/revisions/<int:version>/logs/<slug:which>.log",
    } <= found, found
