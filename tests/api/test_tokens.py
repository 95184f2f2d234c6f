"""Personal API tokens: created and revoked on the website, shown once, stored as a hash."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.models import ApiToken, hash_token
from tests.api.conftest import ApiClient
from tests.platform import factories

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_creates_a_token_shown_once_and_stores_only_its_hash(owner):
    client = _logged_in(owner)
    page = client.post("/account/api-token/", {"action": "create"}).content.decode()
    token = re.search(r'<code id="api-token">([^<]+)</code>', page).group(1)
    stored = ApiToken.objects.get(user=owner)
    assert stored.key_hash == hash_token(token) != token
    assert token not in {f.value_from_object(stored) for f in ApiToken._meta.fields}

    again = client.get("/account/api-token/").content.decode()
    assert token not in again and stored.prefix in again
    assert ApiClient(token).get("/api/v1/me/").json() == {"username": "owner", "is_staff": False}


def test_it_links_the_token_page_from_ones_own_profile_only(owner, stranger):
    assert "/account/api-token/" in _logged_in(owner).get("/users/owner/").content.decode()
    assert "/account/api-token/" not in _logged_in(stranger).get("/users/owner/").content.decode()


def test_it_replaces_and_revokes_tokens(owner):
    first = ApiToken.create_for(owner)
    second = ApiToken.create_for(owner)
    assert ApiClient(first).get("/api/v1/me/").status_code == 401
    assert ApiClient(second).get("/api/v1/me/").status_code == 200

    _logged_in(owner).post("/account/api-token/", {"action": "revoke"})
    response = ApiClient(second).get("/api/v1/me/")
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]


def test_it_needs_a_login_for_the_token_page(client):
    response = client.get("/account/api-token/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_refuses_a_bad_token_with_a_json_message(anonymous):
    for header in ("Bearer nope", "Bearer", "Token a b"):
        response = Client(headers={"Authorization": header}).get("/api/v1/games/")
        assert response.status_code == 401, header
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]


def test_it_refuses_the_token_of_a_deactivated_user():
    user = factories.user("gone")
    token = ApiToken.create_for(user)
    user.is_active = False
    user.save()
    assert ApiClient(token).get("/api/v1/me/").status_code == 401


def test_it_asks_for_a_token_where_one_is_needed(anonymous):
    response = anonymous.get("/api/v1/me/")
    assert response.status_code == 401
    assert "API token" in response.json()["error"]
