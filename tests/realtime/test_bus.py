"""The bus between workers: its frames, the one-process bus, and two workers' buses over a real Redis
that is restarted, killed, stopped and frozen under them."""

from __future__ import annotations

import asyncio
import signal
import time

import anyio
import pytest
import redis.asyncio as aioredis

from collab.realtime.bus import EVENT, PRESENCE, UPDATE, LocalBus, decode_event, decode_frame, encode_frame
from collab.realtime.redis_bus import RedisBus
from tests.support.bus import Recorder, buses, eventually
from tests.support.engines import Redis

pytestmark = pytest.mark.anyio


# -- frames --------------------------------------------------------------------------------


def test_an_update_frame_is_kind_origin_sequence_bytes() -> None:
    frame = encode_frame(UPDATE, b"w1", b"\x01\x02", seq=258)
    assert frame == b"U\x02w1" + b"\x00\x00\x00\x00\x00\x00\x01\x02" + b"\x01\x02"
    decoded = decode_frame(frame)
    assert (decoded.kind, decoded.origin, decoded.seq, decoded.body) == (UPDATE, "w1", 258, b"\x01\x02")


def test_presence_and_event_frames_carry_no_sequence() -> None:
    assert encode_frame(PRESENCE, b"w", b"\x01aw") == b"P\x01w\x01aw"
    event = decode_frame(encode_frame(EVENT, b"w", '{"é":1}'.encode()))
    assert (event.kind, event.seq, decode_event(event.body)) == (EVENT, 0, {"é": 1})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"U",
        b"X\x01w",  # unknown kind
        b"U\x00",  # no origin
        b"U\x05ab",  # origin cut
        b"U\x01w\x00\x00",  # sequence cut
        b"U\x01w" + bytes(8) + b"u",  # sequence 0
        b"P\x01\xff",  # origin not ASCII
    ],
)
def test_a_malformed_frame_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_frame(data)


@pytest.mark.parametrize("body", [b"[1]", b"{", b"\xff", b'"x"'])
def test_an_event_is_a_json_object(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode_event(body)


def test_frames_refuse_what_they_cannot_carry() -> None:
    with pytest.raises(ValueError):
        encode_frame(UPDATE, b"w", b"u", seq=0)
    with pytest.raises(ValueError):
        encode_frame(PRESENCE, b"w" * 256, b"")


async def test_the_local_bus_tells_nobody_and_costs_nothing() -> None:
    bus = LocalBus()
    await bus.start()
    listener = Recorder()
    assert await bus.subscribe_document("d", listener)
    bus.publish_update("d", 1, b"u")
    bus.publish_presence("d", b"p")
    bus.publish_event("class:1", {"x": 1})
    assert bus.healthy
    assert listener.order == []
    await bus.close()


# -- two workers ---------------------------------------------------------------------------


async def test_updates_go_from_one_worker_to_the_other_in_order(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        heard = Recorder()
        assert await a.subscribe_document("doc-1", heard)
        for seq in range(1, 501):
            b.publish_update("doc-1", seq, f"update {seq}".encode())
        await heard.wait(lambda: len(heard.updates) == 500)
        assert heard.updates == [(seq, f"update {seq}".encode(), b.origin) for seq in range(1, 501)]
        # The publisher counts a message once Redis answered its PUBLISH, which may come after
        # the subscriber has it.
        await eventually(lambda: b.counts.published == 500)
        assert a.counts.received == 500 and b.counts.dropped == 0


async def test_a_subscription_is_made_when_subscribe_returns(redis_url: str) -> None:
    """A room subscribes, then loads: anything published after the subscription returned arrives."""
    async with buses(redis_url, count=1) as (a,):
        heard = [Recorder() for _ in range(100)]
        other = aioredis.Redis.from_url(redis_url)  # another process's publisher, written to at once
        try:
            for i, listener in enumerate(heard):
                assert await a.subscribe_document(f"doc-{i}", listener)
                await other.publish(f"binome:doc:doc-{i}", encode_frame(UPDATE, b"other", b"first", seq=1))
        finally:
            await other.aclose()
        for listener in heard:
            await listener.wait(lambda listener=listener: len(listener.updates) == 1)  # type: ignore[misc]


async def test_a_worker_ignores_its_own_messages(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        heard_a, heard_b = Recorder(), Recorder()
        await a.subscribe_document("doc", heard_a)
        await b.subscribe_document("doc", heard_b)
        a.publish_update("doc", 1, b"from a")
        await heard_b.wait(lambda: len(heard_b.updates) == 1)
        # Redis sent a's message to a before b published: when b's arrives, a's was read and ignored.
        b.publish_update("doc", 2, b"from b")
        await heard_a.wait(lambda: len(heard_a.updates) == 1)
        assert heard_a.updates == [(2, b"from b", b.origin)]
        assert heard_b.updates == [(1, b"from a", a.origin)]


async def test_presence_and_events_share_the_document_channel_in_order(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        heard = Recorder()
        await a.subscribe_document("doc", heard)
        b.publish_update("doc", 1, b"u1")
        b.publish_presence("doc", b"\x01aw")
        b.publish_document_event("doc", {"agreed": ["léa"]})
        b.publish_update("doc", 2, b"u2")
        await heard.wait(lambda: len(heard.order) == 4)
        assert heard.order == [("update", 1), ("presence", b"\x01aw"), ("event", {"agreed": ["léa"]}), ("update", 2)]
        assert heard.presence == [(b"\x01aw", b.origin)]


async def test_events_reach_every_handler_of_their_topic(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        first, second, other = Recorder(), Recorder(), Recorder()
        assert await a.subscribe_events("class:7", first)
        assert await a.subscribe_events("class:7", second)
        assert await a.subscribe_events("class:8", other)
        b.publish_event("class:7", {"pair": 3, "text": "Le chat"})
        await second.wait(lambda: len(second.events) == 1)
        await first.wait(lambda: len(first.events) == 1)
        a.unsubscribe_events("class:7", first)
        b.publish_event("class:7", {"pair": 4})
        b.publish_event("class:8", {"pair": 5})
        await other.wait(lambda: len(other.events) == 1)
        await second.wait(lambda: len(second.events) == 2)
        assert [e for e, _ in first.events] == [{"pair": 3, "text": "Le chat"}]
        assert [e for e, _ in other.events] == [{"pair": 5}]


async def test_unsubscribing_stops_messages_and_subscribing_again_at_once_works(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        old, new = Recorder(), Recorder()
        await a.subscribe_document("doc", old)
        a.unsubscribe_document("doc", old)
        subscribed = await a.subscribe_document("doc", new)  # a room loaded again as the old one leaves
        a.unsubscribe_document("doc", old)  # the old room's late goodbye changes nothing
        assert subscribed
        b.publish_update("doc", 1, b"u")
        await new.wait(lambda: len(new.updates) == 1)
        a.unsubscribe_document("doc", new)
        b.publish_update("doc", 2, b"after")
        probe = Recorder()
        await a.subscribe_document("probe", probe)
        b.publish_update("probe", 1, b"p")  # after "doc"'s message on b's one connection
        await probe.wait(lambda: len(probe.updates) == 1)
        assert old.updates == [] and [u[0] for u in new.updates] == [1]


async def test_malformed_messages_and_failing_listeners_hurt_nobody(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        heard, topic = Recorder(), Recorder()
        await a.subscribe_document("doc", heard)
        await a.subscribe_events("class:1", topic)
        garbage = [b"", b"\x00", b"U\x05ab", b"U\x01x" + bytes(8), b"E\x01x{not json", b"Z\x01x"]
        raw = aioredis.Redis.from_url(redis_url)
        try:
            for message in garbage:
                await raw.publish("binome:doc:doc", message)
            await raw.publish("binome:event:class:1", encode_frame(UPDATE, b"x", b"u", seq=1))
        finally:
            await raw.aclose()

        def broken(payload: object) -> None:
            raise RuntimeError("a handler's bug")

        await a.subscribe_events("class:1", broken)
        b.publish_event("class:1", {"after": "garbage"})
        b.publish_update("doc", 1, b"after garbage")
        await heard.wait(lambda: len(heard.updates) == 1)
        await topic.wait(lambda: len(topic.events) == 1)
        assert a.counts.malformed == len(garbage) + 1
        assert a.counts.handler_errors == 1
        assert heard.updates == [(1, b"after garbage", b.origin)]


# -- Redis failing -------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["restart", "crash"])
async def test_both_workers_reconnect_after_redis_restarts(redis_url: str, redis_server: Redis, failure: str) -> None:
    async with buses(redis_url) as (a, b):
        heard_a, heard_b = Recorder(), Recorder()
        await a.subscribe_document("doc", heard_a)
        await b.subscribe_events("class:1", heard_b)
        back = {a.origin: asyncio.Event(), b.origin: asyncio.Event()}
        a.on_reconnect(back[a.origin].set)
        b.on_reconnect(back[b.origin].set)
        if failure == "crash":
            redis_server.crash()
            redis_server.start()
        else:
            redis_server.restart()
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in back.values())), 10)
        took = time.monotonic() - started
        await eventually(lambda: a.healthy and b.healthy)
        assert a.counts.reconnections == 1 and b.counts.reconnections == 1
        b.publish_update("doc", 7, b"after the restart")
        a.publish_event("class:1", {"after": "restart"})
        await heard_a.wait(lambda: len(heard_a.updates) == 1)
        await heard_b.wait(lambda: len(heard_b.events) == 1)
        print(f"both buses back {took:.2f} s after Redis was")


async def test_while_redis_is_down_publishing_drops_and_subscribing_waits_for_it(
    redis_url: str, redis_server: Redis
) -> None:
    async with buses(redis_url) as (a, b):
        back = asyncio.Event()
        a.on_reconnect(back.set)
        redis_server.stop()
        await eventually(lambda: not a.healthy and not b.healthy)
        dropped = b.counts.dropped
        started = time.monotonic()
        for seq in range(1, 101):
            b.publish_update("doc", seq, b"lost")
        assert time.monotonic() - started < 1.0
        assert b.counts.dropped == dropped + 100
        heard = Recorder()
        assert not await asyncio.wait_for(a.subscribe_document("doc", heard), 1.0)  # False, at once
        redis_server.start()
        await asyncio.wait_for(back.wait(), 10)  # the room repairs from the database here
        await eventually(lambda: b.healthy)
        b.publish_update("doc", 101, b"flows again")
        await heard.wait(lambda: len(heard.updates) == 1)
        assert heard.updates[0][0] == 101


async def test_a_bus_started_without_redis_connects_when_it_comes(redis_url: str, redis_server: Redis) -> None:
    redis_server.stop()
    async with buses(redis_url, count=1, connect_timeout=0.5) as (a,):
        assert not a.healthy
        connected = asyncio.Event()
        a.on_reconnect(connected.set)
        heard = Recorder()
        assert not await a.subscribe_document("doc", heard)
        redis_server.start()
        await asyncio.wait_for(connected.wait(), 10)
        async with buses(redis_url, count=1) as (b,):
            b.publish_update("doc", 1, b"u")
            await heard.wait(lambda: len(heard.updates) == 1)
        assert a.counts.reconnections == 0  # it never had Redis before


async def test_a_killed_subscription_connection_is_made_again(redis_url: str) -> None:
    async with buses(redis_url) as (a, b):
        heard = Recorder()
        await a.subscribe_document("doc", heard)
        back = asyncio.Event()
        a.on_reconnect(back.set)
        admin = aioredis.Redis.from_url(redis_url)
        try:
            await admin.client_kill_filter(_type="pubsub")
        finally:
            await admin.aclose()
        await asyncio.wait_for(back.wait(), 10)
        b.publish_update("doc", 1, b"u")
        await heard.wait(lambda: len(heard.updates) == 1)


async def test_a_frozen_redis_is_noticed_by_the_keepalive(redis_url: str, redis_server: Redis) -> None:
    """SIGSTOP: the sockets stay open and nothing answers; the PING unanswered gives the connection up."""
    async with buses(redis_url, count=1, ping_seconds=0.3, connect_timeout=0.5) as (a,):
        heard = Recorder()
        await a.subscribe_document("doc", heard)
        back = asyncio.Event()
        a.on_reconnect(back.set)
        assert redis_server.process is not None
        late = Recorder()
        redis_server.process.send_signal(signal.SIGSTOP)
        try:
            with anyio.fail_after(2):  # a room opening now is not held up: it works from the database
                assert not await a.subscribe_document("late", late)
            await eventually(lambda: not a.healthy, seconds=5)
        finally:
            redis_server.process.send_signal(signal.SIGCONT)
        await asyncio.wait_for(back.wait(), 10)
        async with buses(redis_url, count=1) as (b,):
            b.publish_update("doc", 1, b"u")
            b.publish_update("late", 1, b"u")
            await heard.wait(lambda: len(heard.updates) == 1)
            await late.wait(lambda: len(late.updates) == 1)


async def test_closing_ends_at_once_even_while_reconnecting(redis_url: str) -> None:
    """Closed at every moment of a reconnection (a socket being opened, a command being sent), a bus
    stops within a second: no task left waiting for ever."""
    admin = aioredis.Redis.from_url(redis_url)
    try:
        for turn in range(40):
            bus = RedisBus(redis_url, origin=f"closing-{turn}")
            await bus.start()
            await bus.subscribe_document("doc", Recorder())
            await admin.client_kill_filter(_type="pubsub")
            await asyncio.sleep(turn * 0.004)  # a little further into the reconnection each time
            with anyio.fail_after(1):
                await bus.close()
    finally:
        await admin.aclose()
