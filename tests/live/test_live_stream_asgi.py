"""The live stream as production serves it: an asynchronous view under a real ASGI server
(uvicorn on loopback), reading the real Redis channel through the duel's shared Tail."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from core.models import Duel
from duel_runner import live
from tests.conftest import outside_any_event_loop
from tests.live.conftest import kinds, parse, read_stream
from tests.live.test_live_views import _match
from tests.platform import factories
from web.views import live as live_views

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def duel(asgi_server):
    one, two = factories.valid_revision(), factories.valid_revision()
    return Duel.objects.create(
        environment=one.competitor.environment,
        revision_1=one,
        revision_2=two,
        rules_version=1,
        num_matches=10,
        state=Duel.RUNNING,
    )


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=60, limits=httpx.Limits(max_connections=None, max_keepalive_connections=0)
    )


async def _all_streams_closed() -> None:
    """The server gives a stream's slot back just after its last bytes reach the client."""
    for _ in range(100):
        if live_views.streams_open() == 0:
            return
        await asyncio.sleep(0.05)


def _end(duel: Duel) -> None:
    duel.state = Duel.COMPLETED
    duel.save()
    live.channel().publish(duel.pk, [{"kind": "duel_end", "result": "DRAW", "tally": {}}])


def test_events_arrive_in_order_then_the_end_and_resume_by_last_event_id(asgi_server, duel):
    url = f"{asgi_server}/duels/{duel.pk}/live/events"

    async def scenario():
        async with _client() as client:
            late_joiner = asyncio.create_task(read_stream(client, url))
            await asyncio.sleep(0.5)  # connected before anything was published
            await asyncio.to_thread(live.channel().publish, duel.pk, _match(1))
            await asyncio.sleep(0.3)
            await asyncio.to_thread(live.channel().publish, duel.pk, _match(2))
            await asyncio.to_thread(_end, duel)
            whole = parse(await late_joiner)
            # Resumed from the first match's move: the rest, from inside the stream's entry.
            move_id = next(m["id"] for m in whole if m.get("event") == "move")
            resumed = parse(await read_stream(client, url, {"Last-Event-ID": move_id}))
            joined_late = parse(await read_stream(client, url))
            return whole, resumed, joined_late

    whole, resumed, joined_late = outside_any_event_loop(lambda: asyncio.run(scenario()))
    assert whole[0] == {"retry": str(live_views.RECONNECT_MS)}
    assert kinds(whole) == [
        ("match", 1),
        ("move", 1),
        ("match_end", 1),
        ("match", 2),
        ("move", 2),
        ("match_end", 2),
        ("duel_end", None),
        ("end", None),
    ]
    assert json.loads(whole[-1]["data"]) == {"state": "COMPLETED"}
    ids = [m["id"] for m in whole if "id" in m]
    assert len(ids) == 7 and len(set(ids)) == 7
    assert kinds(resumed) == [kind for kind in kinds(whole)[2:]]
    # A late joiner of a finished duel: from the start of its last match, without waiting.
    assert kinds(joined_late) == kinds(whole)[3:]


def test_a_finished_duel_ends_at_once_and_a_quiet_one_in_time(asgi_server, duel, settings):
    settings.ARENA_LIVE_STREAM_SECONDS = 1
    url = f"{asgi_server}/duels/{duel.pk}/live/events"

    async def scenario():
        async with _client() as client:
            quiet = parse(await read_stream(client, url))
            await asyncio.to_thread(Duel.objects.filter(pk=duel.pk).update, state=Duel.FAILED)
            over = parse(await read_stream(client, url))
            missing = await client.get(f"{asgi_server}/duels/999999/live/events")
            return quiet, over, missing.status_code

    quiet, over, missing = outside_any_event_loop(lambda: asyncio.run(scenario()))
    assert kinds(quiet) == []  # no end: the duel still runs, the browser reconnects
    assert kinds(over) == [("end", None)]
    assert json.loads(over[-1]["data"]) == {"state": "FAILED"}
    assert missing == 404


def test_the_process_and_each_viewer_have_a_cap(asgi_server, duel, settings):
    settings.ARENA_BEHIND_PROXY = True
    settings.ARENA_LIVE_STREAMS_PER_VIEWER = 1
    settings.ARENA_LIVE_STREAMS_PER_PROCESS = 2
    url = f"{asgi_server}/duels/{duel.pk}/live/events"

    def address(n: int) -> dict[str, str]:
        return {"X-Forwarded-For": f"203.0.113.{n}"}

    async def first_message(client, n):
        async with client.stream("GET", url, headers=address(n)) as response:
            async for chunk in response.aiter_text():
                return parse(chunk)
        return []

    async def scenario():
        async with _client() as client:
            held = asyncio.create_task(read_stream(client, url, address(1)))
            await asyncio.sleep(0.5)
            same_viewer = await first_message(client, 1)
            other_viewer = asyncio.create_task(read_stream(client, url, address(2)))
            await asyncio.sleep(0.5)
            process_full = await first_message(client, 3)
            await asyncio.to_thread(_end, duel)
            result = same_viewer, process_full, await held, await other_viewer
            await _all_streams_closed()
            return result

    same_viewer, process_full, held, other = outside_any_event_loop(lambda: asyncio.run(scenario()))
    for turned_away in (same_viewer, process_full):
        assert kinds(turned_away) == [("busy", None)]
        assert turned_away[0]["retry"] == str(live_views.BUSY_RETRY_MS)
    assert (
        kinds(parse(held))[-2:] == kinds(parse(other))[-2:] == [("duel_end", None), ("end", None)]
    )
    assert live_views.streams_open() == 0  # every slot was given back


def test_two_hundred_spectators_watch_while_the_pages_answer(asgi_server, duel, settings):
    settings.ARENA_BEHIND_PROXY = True
    settings.ARENA_LIVE_STREAMS_PER_PROCESS = 5000
    spectators, matches = 200, 6
    url = f"{asgi_server}/duels/{duel.pk}/live/events"

    async def spectator(client, n):
        return parse(
            await read_stream(client, url, {"X-Forwarded-For": f"10.9.{n // 250}.{n % 250}"})
        )

    async def scenario():
        async with _client() as client:
            watching = [asyncio.create_task(spectator(client, n)) for n in range(spectators)]
            while live_views.streams_open() < spectators:
                await asyncio.sleep(0.1)
            pages = []
            for number in range(1, matches + 1):
                await asyncio.to_thread(live.channel().publish, duel.pk, _match(number))
                pages.append((await client.get(f"{asgi_server}/duels/{duel.pk}/")).status_code)
                pages.append((await client.get(f"{asgi_server}/")).status_code)
            await asyncio.to_thread(_end, duel)
            result = await asyncio.gather(*watching), pages
            await _all_streams_closed()
            return result

    streams, pages = outside_any_event_loop(lambda: asyncio.run(scenario()))
    assert set(pages) == {200}
    # Every spectator saw every move, in order, and the end (joined before the first match).
    expected = [(kind, n) for n in range(1, matches + 1) for kind in ("match", "move", "match_end")]
    for messages in streams:
        assert kinds(messages) == [*expected, ("duel_end", None), ("end", None)]
    assert live_views.streams_open() == 0
    assert live_views.tails._tails == {}  # the duel's Tail stopped with its last spectator
