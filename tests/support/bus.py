"""Two workers' buses on one Redis, and a listener that records what it is told."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from collab.realtime.redis_bus import RedisBus

_WORKERS = itertools.count(1)


@dataclass
class Recorder:
    """A DocumentListener (and topic handler) that keeps everything, and wakes those who wait."""

    updates: list[tuple[int, bytes, str]] = field(default_factory=list)
    presence: list[tuple[bytes, str]] = field(default_factory=list)
    events: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    #: Every message in arrival order: ("update", seq) / ("presence", frame) / ("event", payload).
    order: list[tuple[str, object]] = field(default_factory=list)
    arrived_at: list[float] = field(default_factory=list)
    _news: asyncio.Event = field(default_factory=asyncio.Event)

    def remote_update(self, seq: int, update: bytes, origin: str) -> None:
        self.updates.append((seq, update, origin))
        self._record("update", seq)

    def remote_presence(self, frame: bytes, origin: str) -> None:
        self.presence.append((frame, origin))
        self._record("presence", frame)

    def remote_event(self, payload: dict[str, Any], origin: str) -> None:
        self.events.append((payload, origin))
        self._record("event", payload)

    def __call__(self, payload: dict[str, Any]) -> None:  # as a topic's handler
        self.events.append((payload, ""))
        self._record("event", payload)

    def _record(self, kind: str, what: object) -> None:
        self.order.append((kind, what))
        self.arrived_at.append(time.perf_counter())
        self._news.set()

    async def wait(self, done: Callable[[], bool], seconds: float = 10.0) -> None:
        """Wait until ``done()`` holds, woken by each message."""
        with anyio.fail_after(seconds):
            while not done():
                self._news.clear()
                await self._news.wait()


async def eventually(done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for a condition on state no event tells of (a bus's counters, its health)."""
    with anyio.fail_after(seconds):
        while not done():
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def buses(url: str, count: int = 2, **options: Any) -> AsyncIterator[list[RedisBus]]:
    """``count`` started buses, as many workers would hold, each with its own origin; closed after."""
    started = [RedisBus(url, origin=f"worker-{next(_WORKERS)}", **options) for _ in range(count)]
    try:
        for bus in started:
            await bus.start()
        yield started
    finally:
        for bus in started:
            await bus.close()
