"""The remote matches' endpoints (web.api.remote) as production serves them: core.asgi under
uvicorn (the asgi_server fixture of this folder), where they skip Django's middleware and
their queries run on the event loop's threads, whose database connections last."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from django.db import connection

from core.models import ApiToken
from tests.platform import factories


def _server_connections() -> set[int]:
    """The backends of the connections to the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_the_remote_api_answers_without_the_sites_middleware_and_keeps_its_connection(
    asgi_server,
):
    token = ApiToken.create_for(factories.user("laptop"))
    address = urlsplit(asgi_server)
    client = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    before = _server_connections()  # earlier tests' (workers, live servers) may linger
    first = None
    try:
        for _ in range(5):  # one keep-alive connection, as arena connect's
            client.request("GET", "/api/v1/ping/", headers={"Authorization": f"Bearer {token}"})
            answer = client.getresponse()
            assert (answer.status, json.loads(answer.read())) == (200, {"pong": True})
            # No session, cookie or CSRF machinery ran: the middleware was skipped.
            assert answer.getheader("Set-Cookie") is None and answer.getheader("Vary") is None
            first = first or _server_connections() - before
        # One database connection served every request, one after the other (a site request
        # closes its own at its end); the token is still checked on every request.
        assert len(first) == 1 and _server_connections() - before == first
        client.request("GET", "/api/v1/ping/", headers={"Authorization": "Bearer wrong"})
        refused = client.getresponse()
        assert refused.status == 401
        assert "not valid" in json.loads(refused.read())["error"]
        # The rest of the site keeps its middleware (its session cookie and security headers).
        client.request("GET", "/")
        home = client.getresponse()
        home.read()
        assert home.status == 200 and home.getheader("X-Content-Type-Options") == "nosniff"
    finally:
        client.close()
