"""The pacing of one connection's frames (per connection, never per IP: a whole school sits
behind one NAT)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from collab.errors import RateLimited
from collab.realtime.metrics import FrameCounts

#: A frame costs one unit of a connection's budget, plus one per this many bytes (a pasted page is a few
#: units; the largest frames cost ~17).
FRAME_COST_BYTES = 16 * 1024
#: A presence (awareness) frame is relayed to every peer as it is, however often it comes: it
#: costs one unit more per this many bytes (a cursor of ~200 bytes ≈ 2 units, a 4 KB state 17).
PRESENCE_COST_BYTES = 256
#: The y-websocket message type of presence frames.
_AWARENESS = 1


class Pacer:
    """One connection's budget: ``rate`` frames a second, in bursts of up to ``burst``.

    A frame beyond the budget is not refused: the caller waits until the budget refills, and
    reads nothing from that connection meanwhile (uvicorn then stops reading the socket, so TCP
    slows the sender down). The budget is reserved before waiting, so concurrent callers queue up
    in order. A connection kept at its limit for longer than ``abuse_seconds`` (its budget never
    back to half full: it always has a frame waiting) is abuse far beyond any human rate:
    :class:`collab.errors.RateLimited` (4429).
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        abuse_seconds: float,
        *,
        counts: FrameCounts | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.abuse_seconds = abuse_seconds
        self._counts = counts
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        #: Since when the connection is kept at its limit (None: it is not).
        self._limited_since: float | None = None

    def reserve_frame(self, frame: bytes) -> float:
        """:meth:`reserve` for one y-websocket frame: by its size, presence by the bytes it relays."""
        per_unit = PRESENCE_COST_BYTES if frame[:1] == bytes((_AWARENESS,)) else FRAME_COST_BYTES
        return self.reserve(1.0 + len(frame) / per_unit)

    def reserve(self, cost: float = 1.0) -> float:
        """Take ``cost`` from the budget; return the seconds to wait before handling the frame."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate) - cost
        self._tokens, self._updated = tokens, now
        if tokens >= 0:
            if tokens >= self.burst / 2:
                self._limited_since = None
            return 0.0
        if self._limited_since is None:
            self._limited_since = now
        elif now - self._limited_since > self.abuse_seconds:
            raise RateLimited(f"kept at {self.rate:g} frames/s for more than {self.abuse_seconds:g} s")
        return -tokens / self.rate

    async def wait(self, seconds: float) -> None:
        """Wait as :meth:`reserve` said (counted in the metrics)."""
        if self._counts is not None:
            self._counts.frames_paced += 1
            self._counts.paced_seconds += seconds
        await asyncio.sleep(seconds)
