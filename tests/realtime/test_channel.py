"""The one bounded send queue behind every connection (WebSocket and HTTP fallback)."""

from __future__ import annotations

import asyncio

import pytest

from collab.errors import Overloaded
from collab.realtime.channel import SendQueue
from collab.realtime.metrics import Metrics

pytestmark = pytest.mark.anyio


def refused(metrics: Metrics, reason: str) -> float:
    value = metrics.refused.labels(reason=reason)._value.get()
    assert isinstance(value, float)
    return value


async def test_frames_leave_in_order_one_by_one_or_all_at_once() -> None:
    queue = SendQueue(100, Metrics(), "test")
    for frame in (b"a", b"bb", b"ccc"):
        queue.send(frame)
    assert queue.depth == 3
    await queue.wait()  # something waits: no waiting
    assert queue.pop() == b"a"
    assert queue.take_all() == [b"bb", b"ccc"]
    assert queue.pop() is None and queue.depth == 0
    waiting = asyncio.get_running_loop().create_task(queue.wait())
    await asyncio.sleep(0)
    assert not waiting.done()
    queue.send(b"d")
    await asyncio.wait_for(waiting, 1)


async def test_a_full_queue_closes_with_1013_and_counts_the_refusal() -> None:
    metrics = Metrics()
    closed: list[bool] = []
    queue = SendQueue(10, metrics, "slow tablet")
    queue.on_close = lambda: closed.append(True)
    queue.send(b"12345")
    queue.send(b"12345")  # exactly the limit: still queued
    before = refused(metrics, Overloaded.reason)
    queue.send(b"1")
    assert queue.overflowed and queue.closed == (Overloaded.close_code, "slow consumer: send queue full")
    assert queue.closed[0] == 1013 and queue.depth == 0 and closed == [True]
    assert refused(metrics, Overloaded.reason) == before + 1
    queue.send(b"later")  # closed: nothing more is queued
    assert queue.depth == 0
    await asyncio.wait_for(queue.wait(), 1)  # a closed queue never makes its sender wait
