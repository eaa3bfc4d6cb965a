"""Where a room sends a peer's frames: the :class:`Channel` interface, and the one bounded send
queue behind every real connection (a WebSocket, or an HTTP fallback session).

``send`` never blocks: the room never waits for a slow tablet. Beyond ``max_queued_bytes`` waiting,
the peer stopped reading: the queue is dropped and the connection is closed with 1013
(Overloaded), counted as a refusal of the document's school.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Protocol

from collab.errors import Overloaded
from collab.realtime.metrics import Metrics

log = logging.getLogger(__name__)


class Channel(Protocol):
    """Where a room sends a peer's frames. ``send`` never blocks: it queues."""

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class SendQueue:
    """A room's view of one connection: frames wait here, in order, until its sender takes them
    (a WebSocket's task frame by frame, an HTTP poll all at once)."""

    def __init__(self, max_queued_bytes: int, metrics: Metrics, label: str) -> None:
        self._label = label
        self._metrics = metrics
        self._max_queued_bytes = max_queued_bytes
        self._queued_bytes = 0
        self._queue: collections.deque[bytes] = collections.deque()
        self._ready = asyncio.Event()
        #: The close code and reason, once closed (what is still queued is sent first).
        self.closed: tuple[int, str] | None = None
        #: The queue overflowed: the peer stopped reading, so nothing (not even a
        #: close frame) can be expected to reach it any more.
        self.overflowed = False
        #: Called once when the channel closes, so that the room forgets the peer at
        #: once, even if the close frame cannot reach a tablet that stopped reading.
        self.on_close: Callable[[], None] | None = None
        #: The school of the document, once joined (refusals are also counted per school).
        self.school_id: int | None = None

    @property
    def depth(self) -> int:
        return len(self._queue)

    @property
    def closing(self) -> bool:
        return self.closed is not None

    def send(self, frame: bytes) -> None:
        if self.closed is not None:
            return
        self._queued_bytes += len(frame)
        if self._queued_bytes > self._max_queued_bytes:
            self._queue.clear()
            self._queued_bytes = 0
            self.overflowed = True
            self._metrics.refuse(Overloaded.reason, self.school_id)
            log.warning("closing %s with 1013: more than %d bytes waiting", self._label, self._max_queued_bytes)
            self.close(Overloaded.close_code, "slow consumer: send queue full")
            return
        self._queue.append(frame)
        self._ready.set()

    def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason[:120])
            self._ready.set()
            if self.on_close is not None:
                self.on_close()

    async def wait(self) -> None:
        """Until a frame waits or the channel closes (wrap it in ``asyncio.timeout`` to wait less)."""
        if self._queue or self.closed is not None:
            return
        self._ready.clear()
        await self._ready.wait()

    def pop(self) -> bytes | None:
        """The oldest waiting frame (None: nothing waits)."""
        if not self._queue:
            return None
        frame = self._queue.popleft()
        self._queued_bytes -= len(frame)
        return frame

    def take_all(self) -> list[bytes]:
        """Every waiting frame, oldest first."""
        frames = list(self._queue)
        self._queue.clear()
        self._queued_bytes = 0
        return frames
