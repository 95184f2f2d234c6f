"""The site as an ASGI application: what the web container (gunicorn with uvicorn's worker,
docker/gunicorn.conf.py) and the demo (uvicorn) serve.

Django runs the ordinary (sync) views in threads and the live streams (web.views.live) as
coroutines of the process's event loop. Two things differ from serving WSGI, both set here:

- A request's sync code runs in a thread of its own, which ends with the request: a database
  connection kept open for the next request (CONN_MAX_AGE) would stay with a thread that is
  gone, so every request closes its connection (PostgreSQL on the same network answers a new
  one in about a millisecond).
- Django gives every request a thread for its sync middleware, kept until the response is
  sent, so a live stream would park an idle thread for its whole life. A stream's middleware
  runs in the process's one shared sync thread instead (what asgiref does outside a request
  context): it only sets up the session and user lazily, and the view's few queries are short.

A remote match's requests (``arena connect``, web.api.remote) skip the middleware: each of
Django's middleware classes runs its hooks in a hop to a thread under ASGI, about a dozen hops
that made most of a move's round trip. Those asynchronous views need none of them: they take a
token (no session, cookie or CSRF), answer JSON, and nginx adds the security headers to every
answer (nginx/templates/arena-headers.conf).
"""

from __future__ import annotations

import os
import re
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402  (after setup: the settings are configured)

for database in settings.DATABASES.values():
    database["CONN_MAX_AGE"] = 0

# web.views.live's stream, "duel-live-events".
LIVE_STREAM = re.compile(r"^/duels/\d+/live/events$")
# web.api.remote's endpoints (web/api/urls.py): "api-ping", "api-remote-connect" and the match's.
REMOTE_API = re.compile(
    r"^/api/v1/(ping/|remote-matches/\d+/|games/[-\w]+/competitors/[-\w]+/connect/)"
)


class WithoutMiddleware(ASGIHandler):
    """Django's handler with no middleware at all, for the remote API (see above)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)


class ArenaASGIHandler(ASGIHandler):
    """Django's handler, with live streams left out of the per-request thread, the remote
    API without middleware (see above) and the server's lifespan messages answered (there is
    nothing to start or stop)."""

    def __init__(self) -> None:
        super().__init__()
        self.remote_api = WithoutMiddleware()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "http" and LIVE_STREAM.match(scope.get("path", "")):
            await self.handle(scope, receive, send)
            return
        if scope["type"] == "http" and REMOTE_API.match(scope.get("path", "")):
            await self.remote_api(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


application = ArenaASGIHandler()
