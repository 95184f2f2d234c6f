"""Schemathesis fuzzes the API from its own OpenAPI schema, on the real app and PostgreSQL:
whatever it sends, with or without a token, the API never answers with a server error."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from core.models import ApiToken, Revision
from tests.platform import factories

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.slow]


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # the request for the schema opens a connection
        return schemathesis.from_wsgi("/api/v1/schema/", get_wsgi_application())


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture
def wsgi_in_test_transaction():
    """As Django's test client does: the handler must not close the test's connection (in
    its transaction, it looks unusable to close_old_connections)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(db, redis_broker, wsgi_in_test_transaction) -> str:
    """A user with a token, and rows for the generated requests to find now and then."""
    owner = factories.user("fuzzer")
    competitor = factories.competitor(name="bot", owner=owner)
    # Failed, not valid: a move asked of it is refused without waiting for a worker.
    factories.valid_revision(competitor, test_state=Revision.TEST_FAILED)
    return ApiToken.create_for(owner)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_never_fails_whatever_it_is_sent(case, token):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate(checks=(not_a_server_error,))
