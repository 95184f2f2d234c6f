"""A real ASGI server for the live stream's tests: uvicorn, serving core.asgi on loopback from
a thread of the test process (so the tests' settings apply), and an SSE reader over httpx."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import outside_any_event_loop


@pytest.fixture
def asgi_server(transactional_db, redis_broker) -> Iterator[str]:
    """The site's address, served by uvicorn (its data must be committed: a transactional
    test, since the server's threads use connections of their own)."""
    import uvicorn
    from asgiref.sync import sync_to_async
    from django.db import connections

    from core.asgi import application
    from web.api import remote

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        # The streams' queries ran in asgiref's shared thread: close its connection, so the
        # test database can be emptied and dropped.
        outside_any_event_loop(lambda: asyncio.run(sync_to_async(connections.close_all)()))
        remote.close_pool_connections()  # the remote API's threads keep theirs (web.api.remote)


def parse(text: str) -> list[dict[str, str]]:
    """SSE messages as {field: value}, comments left out."""
    messages = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        if fields:
            messages.append(fields)
    return messages


def kinds(messages: list[dict[str, str]]) -> list[tuple[str, object]]:
    return [(m["event"], json.loads(m["data"]).get("match")) for m in messages if "event" in m]


async def read_stream(client, url: str, headers: dict[str, str] | None = None) -> str:
    """A whole stream's body, read as it comes."""
    async with client.stream("GET", url, headers=headers or {}) as response:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        return "".join([chunk async for chunk in response.aiter_text()])
