"""API clients with and without a personal token, for the people of tests/people.py."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import ApiToken


class ApiClient(Client):
    """A test client that sends an API token, if it has one."""

    def __init__(self, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers)


def client_with_token(user) -> ApiClient:
    return ApiClient(ApiToken.create_for(user))


@pytest.fixture
def as_owner(owner):
    return client_with_token(owner)


@pytest.fixture
def as_stranger(stranger):
    return client_with_token(stranger)


@pytest.fixture
def as_staff(staff):
    return client_with_token(staff)


@pytest.fixture
def anonymous():
    return ApiClient()
