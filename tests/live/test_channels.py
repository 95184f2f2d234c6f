"""Both live channels, the Redis one on the machine's real Redis, and the publisher."""

from __future__ import annotations

import threading

import pytest

from duel_runner import live


def _match(number: int) -> list[dict]:
    """A short match as the duel's observer reports it."""
    return [
        {"kind": "match", "match": number, "state": [0]},
        {"kind": "move", "match": number, "player": 1, "action": 4, "state": [1]},
        {"kind": "move", "match": number, "player": 2, "action": 0, "state": [2]},
        {"kind": "match_end", "match": number, "result": "DRAW"},
    ]


@pytest.fixture
def redis_channel(redis_broker, settings):
    return live.RedisChannel(settings.CELERY_BROKER_URL, maxlen=1000, keep_seconds=60)


@pytest.fixture(params=["memory", "redis"])
def channel(request):
    if request.param == "memory":
        return live.MemoryChannel(maxlen=1000, keep_seconds=60)
    return request.getfixturevalue("redis_channel")


def _kinds(events):
    return [(e["kind"], e["match"]) for _, e in events]


def test_a_late_joiner_starts_at_the_current_match(channel):
    channel.publish(7, _match(1) + _match(2)[:2])
    events = channel.read(7, None, 0)
    assert _kinds(events) == [("match", 2), ("move", 2)]


def test_a_reader_goes_on_from_its_last_id(channel):
    channel.publish(7, _match(1))
    first = channel.read(7, None, 0)
    channel.publish(7, _match(2))
    rest = channel.read(7, first[-1][0], 0)
    assert _kinds(rest) == [("match", 2), ("move", 2), ("move", 2), ("match_end", 2)]
    assert channel.read(7, rest[-1][0], 0) == []


def test_a_reader_before_the_duel_starts_gets_everything(channel):
    assert channel.read(8, None, 0) == []
    channel.publish(8, _match(1))
    assert _kinds(channel.read(8, None, 0))[0] == ("match", 1)


def test_duels_do_not_mix(channel):
    channel.publish(7, _match(1))
    channel.publish(9, _match(5))
    assert {e["match"] for _, e in channel.read(9, None, 0)} == {5}


def test_a_waiting_reader_wakes_up_on_the_next_event(channel):
    channel.publish(7, _match(1))
    last = channel.read(7, None, 0)[-1][0]
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(channel.read(7, last, 30)))
    reader.start()
    channel.publish(7, _match(2)[:1])
    reader.join(30)
    assert _kinds(got) == [("match", 2)]


def test_an_unknown_last_id_is_a_late_join(channel):
    channel.publish(7, _match(1) + _match(2))
    assert _kinds(channel.read(7, "not-an-id", 0))[0] == ("match", 2)


def test_a_reader_resumes_inside_a_batch_and_late_joiners_find_the_match_in_it(redis_channel):
    # A fast duel's batch: several matches in one publish, so in few stream entries.
    redis_channel.publish(6, _match(1) + _match(2) + _match(3) + _match(4) + _match(5)[:2])
    events = redis_channel.read(6, "0-0", 0)
    assert len(events) == 18
    assert _kinds(redis_channel.read(6, events[8][0], 0))[0] == ("move", 3)
    assert _kinds(redis_channel.read(6, None, 0)) == [("match", 5), ("move", 5)]
    everything: list = []
    cursor = "0-0"
    while batch := redis_channel.read(6, cursor, 0):
        everything += batch
        cursor = batch[-1][0]
    assert [e for _, e in everything] == [e for _, e in events]


def test_the_memory_channel_keeps_only_the_newest_events():
    channel = live.MemoryChannel(maxlen=100, keep_seconds=60)
    for number in range(1, 60):
        channel.publish(3, _match(number))
    events = channel.read(3, "0", 0)
    assert len(events) == 100 and events[-1][1]["match"] == 59


def test_the_redis_stream_is_trimmed_and_expires_after_the_duel(redis_broker, settings):
    channel = live.RedisChannel(settings.CELERY_BROKER_URL, maxlen=100, keep_seconds=60)
    for number in range(1, 1000):
        channel.publish(4, _match(number))
    key = live.stream_key(4)
    # Trimmed as it goes, to about the entries a late joiner may look back over.
    assert redis_broker.xlen(key) < 2 * live.MATCH_LOOKBACK
    assert redis_broker.ttl(key) > 60  # still running: the long expiry
    channel.publish(4, [{"kind": "duel_end", "result": "DRAW"}])
    assert 0 < redis_broker.ttl(key) <= 60


class _Broken:
    def publish(self, duel_id, events):
        raise ConnectionError("Redis is down")


def test_the_publisher_sends_every_event_in_order(channel):
    with live.Publisher(channel, 11) as publish:
        for event in _match(1) + _match(2):
            publish(event)
    first = "0" if isinstance(channel, live.MemoryChannel) else "0-0"
    assert [e for _, e in channel.read(11, first, 0)] == _match(1) + _match(2)


def test_a_broken_channel_never_stops_the_duel(caplog):
    with live.Publisher(_Broken(), 12) as publish:
        for event in _match(1):
            publish(event)
    assert "live events of duel 12 are not sent" in caplog.text


def test_no_channel_means_no_thread():
    publisher = live.Publisher(None, 13)
    publisher({"kind": "match"})
    publisher.close()


def test_the_backend_follows_the_broker():
    assert live.backend_kind("redis://127.0.0.1:6379/0") == "redis"
    assert live.backend_kind("") == "memory"
    assert live.backend_kind("amqp://guest@localhost//") == "none"
