"""The bus under a worker's load: 2,000 rooms on one subscription connection, and a stream of updates.

The figures are printed at the end of the run (no timed assertion: the machine is shared); what is
asserted is that every message arrives, in order, and nothing is dropped."""

from __future__ import annotations

import asyncio
import statistics
import struct
import time

import pytest
import redis.asyncio as aioredis

from tests.support.bus import Recorder, buses
from tests.support.summary import SUMMARY_PROPERTY

pytestmark = pytest.mark.anyio

ROOMS = 2000
_STAMP = struct.Struct(">d")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies_ms(listeners: list[Recorder]) -> list[float]:
    """Publish → receive of each update, whose bytes start with its publication's perf_counter."""
    out = []
    for listener in listeners:
        for (_, update, _), arrived in zip(listener.updates, listener.arrived_at, strict=True):
            out.append((arrived - _STAMP.unpack_from(update)[0]) * 1000)
    return out


def stamped(size: int = 0) -> bytes:
    return _STAMP.pack(time.perf_counter()) + bytes(size)


async def test_two_thousand_rooms_on_one_subscription_connection(
    redis_url: str, record_property: pytest.RecordProperty
) -> None:
    async with buses(redis_url) as (a, b):
        listeners = [Recorder() for _ in range(ROOMS)]
        started = time.perf_counter()
        confirmed = await asyncio.gather(*(a.subscribe_document(f"doc-{i}", r) for i, r in enumerate(listeners)))
        at_once = time.perf_counter() - started
        assert all(confirmed)
        one_by_one = []
        for i in range(100):
            started = time.perf_counter()
            await a.subscribe_document(f"extra-{i}", Recorder())
            one_by_one.append(time.perf_counter() - started)

        # Steady typing: every room gets an update, 20 every 10 ms (2,000 updates/s).
        for i in range(0, ROOMS, 20):
            for j in range(i, i + 20):
                b.publish_update(f"doc-{j}", 1, stamped(60))
            await asyncio.sleep(0.01)
        for listener in listeners:
            await listener.wait(lambda listener=listener: len(listener.updates) == 1)  # type: ignore[misc]
        steady = latencies_ms(listeners)

        # A burst: every room's second update at once.
        for i in range(ROOMS):
            b.publish_update(f"doc-{i}", 2, stamped(60))
        for listener in listeners:
            await listener.wait(lambda listener=listener: len(listener.updates) == 2)  # type: ignore[misc]
        burst = [
            (arrived - _STAMP.unpack_from(update)[0]) * 1000
            for r in listeners
            for (_, update, _), arrived in zip(r.updates[1:], r.arrived_at[1:], strict=True)
        ]

        # The subscription connection is cut: every channel is subscribed again before on_reconnect.
        back = asyncio.Event()
        a.on_reconnect(back.set)
        admin = aioredis.Redis.from_url(redis_url)
        try:
            started = time.perf_counter()
            await admin.client_kill_filter(_type="pubsub")
        finally:
            await admin.aclose()
        await asyncio.wait_for(back.wait(), 30)
        resubscribed = time.perf_counter() - started
        for i in range(ROOMS):
            b.publish_update(f"doc-{i}", 3, stamped())
        for listener in listeners:
            await listener.wait(lambda listener=listener: len(listener.updates) == 3)  # type: ignore[misc]
        assert b.counts.dropped == 0 and a.counts.malformed == 0
        assert all([u[0] for u in r.updates] == [1, 2, 3] for r in listeners)

    report = (
        f"{ROOMS} channels on one connection: subscribed together in {at_once * 1000:.0f} ms; "
        f"one more alone: median {statistics.median(one_by_one) * 1000:.2f} ms\n"
        f"publish → receive at 2,000 updates/s: median {statistics.median(steady):.2f} ms, "
        f"p99 {percentile(steady, 0.99):.2f} ms, max {max(steady):.2f} ms\n"
        f"{ROOMS} updates at once: median {statistics.median(burst):.2f} ms, p99 {percentile(burst, 0.99):.2f} ms\n"
        f"connection cut → {ROOMS} channels subscribed again, on_reconnect called: {resubscribed * 1000:.0f} ms"
    )
    print(report)
    record_property(SUMMARY_PROPERTY, report)


async def test_throughput_from_one_worker_to_another(redis_url: str, record_property: pytest.RecordProperty) -> None:
    """One worker publishes as fast as it can (never more than the bus may queue), one receives;
    both in this one process, on one core: a lower bound of what two workers do."""
    docs, total, size = 100, 50_000, 100
    async with buses(redis_url) as (a, b):
        listeners = [Recorder() for _ in range(docs)]
        for i, listener in enumerate(listeners):
            await a.subscribe_document(f"doc-{i}", listener)
        started = time.perf_counter()
        for n in range(total):
            while b.queued >= 5000:
                await asyncio.sleep(0)  # let the publisher write (the bus drops past its queue's bound)
            b.publish_update(f"doc-{n % docs}", n // docs + 1, stamped(size - _STAMP.size))
        published = time.perf_counter() - started
        for listener in listeners:
            await listener.wait(lambda listener=listener: len(listener.updates) == total // docs, seconds=60)  # type: ignore[misc]
        received = time.perf_counter() - started
        assert b.counts.dropped == 0
        assert all([u[0] for u in r.updates] == list(range(1, total // docs + 1)) for r in listeners)
        lags = latencies_ms(listeners)
    report = (
        f"{total} updates of {size} bytes over {docs} rooms: published {total / published:,.0f}/s, "
        f"all received after {received:.2f} s ({total / received:,.0f}/s); "
        f"publish → receive median {statistics.median(lags):.1f} ms under that load"
    )
    print(report)
    record_property(SUMMARY_PROPERTY, report)
