"""Who is looking: an owner, a stranger, a staff member, an anonymous visitor.

A plugin of the whole suite (tests/conftest.py). The ``as_*`` fixtures are logged-in browser
sessions; tests/api/conftest.py gives them API tokens instead.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.platform import factories


@pytest.fixture
def owner(db):
    return factories.user("owner")


@pytest.fixture
def stranger(db):
    return factories.user("stranger")


@pytest.fixture
def staff(db):
    return factories.user("staff", is_staff=True)


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_owner(owner):
    return client_for(owner)


@pytest.fixture
def as_stranger(stranger):
    return client_for(stranger)


@pytest.fixture
def as_staff(staff):
    return client_for(staff)


@pytest.fixture
def anonymous():
    return client_for(None)
