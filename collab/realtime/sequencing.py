"""A room's updates in the log's order, whatever order, repetitions and gaps they arrive with.

With several workers a room hears of its document's updates from two sides: its own, numbered by
the group commit, and the other workers', through the bus (collab.realtime.bus), where two
workers' messages may cross, arrive twice (repair and bus both), or never (Redis lost them). The
:class:`Sequencer` keeps the watermark W, the number of the last update applied with every one
before it, and says what to apply: an update numbered W + 1 at once, with those buffered after
it; one numbered W or less never (it is applied already); one further on is kept until the gap
closes. A gap open longer than ``gap_seconds``, or too much kept, means: read the log after W
(``begin_repair``, then ``finish_repair`` with the rows read). Pure: the caller gives the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: A gap older than this is repaired from the log: twice a slow crossing of two workers' messages.
GAP_SECONDS = 0.05
#: Updates kept waiting for a gap to close; beyond, the log is read at once.
MAX_BUFFERED = 1024


@dataclass(slots=True)
class _Kept(Generic[T]):
    item: T
    received_at: float


class Sequencer(Generic[T]):
    """The order of one room's updates. ``T`` is what the caller applies: an update's bytes, or
    whatever it needs to tell its own committed updates (already applied) from the others'.

    ``watermark`` is the log's number of the last update the room loaded; None while it loads
    (what arrives meanwhile is kept, and :meth:`start` gives what follows the load)."""

    def __init__(
        self, watermark: int | None = None, *, gap_seconds: float = GAP_SECONDS, max_buffered: int = MAX_BUFFERED
    ) -> None:
        self._watermark = watermark
        self._gap_seconds = gap_seconds
        self._max_buffered = max_buffered
        self._kept: dict[int, _Kept[T]] = {}
        self._gap_since: float | None = None
        self._overflowed = False
        self._repair_started: float | None = None
        self._polled_head = 0
        #: Updates offered again after they were applied (the bus and a repair both bring them).
        self.duplicates = 0
        #: Repairs begun, and updates kept that the log showed were never committed (dropped).
        self.repairs = 0
        self.discarded = 0

    @property
    def watermark(self) -> int | None:
        return self._watermark

    @property
    def buffered(self) -> int:
        return len(self._kept)

    @property
    def repairing(self) -> bool:
        return self._repair_started is not None

    def start(self, watermark: int, now: float) -> list[tuple[int, T]]:
        """The room loaded the log up to ``watermark``: what was kept after it, in order, to apply."""
        if self._watermark is not None:
            raise RuntimeError("the sequencer has started already")
        self._watermark = watermark
        for seq in [s for s in self._kept if s <= watermark]:
            del self._kept[seq]
            self.duplicates += 1
        return self._drain(now)

    def offer(self, seq: int, item: T, now: float) -> list[tuple[int, T]]:
        """Update ``seq`` arrived: what to apply now, in order (perhaps nothing)."""
        if self._watermark is not None and seq <= self._watermark:
            self.duplicates += 1
            return []
        if seq in self._kept:
            self.duplicates += 1
            return []
        if self._watermark is not None and seq == self._watermark + 1:
            self._watermark = seq
            applied = [(seq, item)]
            applied += self._drain(now)
            return applied
        if len(self._kept) >= self._max_buffered:
            self._overflowed = True  # the log has it: not kept, read with the repair
            return []
        self._kept[seq] = _Kept(item, now)
        if self._gap_since is None:
            self._gap_since = now
        return []

    def _drain(self, now: float) -> list[tuple[int, T]]:
        assert self._watermark is not None
        applied: list[tuple[int, T]] = []
        while (kept := self._kept.pop(self._watermark + 1, None)) is not None:
            self._watermark += 1
            applied.append((self._watermark, kept.item))
        self._gap_since = now if self._kept else None  # a gap further on starts waiting now
        return applied

    @property
    def repair_at(self) -> float | None:
        """When the log must be read (the gap's deadline, or at once), None if not needed now."""
        if self._watermark is None or self._repair_started is not None:
            return None
        if self._overflowed:
            return float("-inf")
        if self._gap_since is None:
            return None
        return self._gap_since + self._gap_seconds

    def repair_due(self, now: float) -> bool:
        at = self.repair_at
        return at is not None and now >= at

    def begin_repair(self, now: float) -> int:
        """A read of the log starts now (call it just before): read the rows numbered after the
        number returned. Also after a reconnection, or when the database is ahead of the room."""
        if self._watermark is None:
            raise RuntimeError("a room that has not loaded reads the whole document, not a repair")
        self._repair_started = now
        self.repairs += 1
        return self._watermark

    def finish_repair(self, rows: list[tuple[int, T]]) -> list[tuple[int, T]]:
        """The log's rows read after :meth:`begin_repair`'s number, in order: what to apply, in order.

        Updates kept from before the read began that are still past a gap were never committed
        (a committed update is in every read that starts after it was published): they are dropped."""
        started = self._repair_started
        if started is None:
            raise RuntimeError("finish_repair without begin_repair")
        self._repair_started = None
        self._overflowed = False
        applied: list[tuple[int, T]] = []
        for seq, item in rows:
            applied += self.offer(seq, item, started)
        for seq in [s for s, kept in self._kept.items() if kept.received_at <= started]:
            del self._kept[seq]
            self.discarded += 1
        if not self._kept:
            self._gap_since = None
        return applied

    def abandon_repair(self) -> None:
        """The read failed: the next :attr:`repair_at` says when to try again (at once)."""
        if self._repair_started is not None:
            self._repair_started = None
            self._overflowed = True

    def behind(self, head: int) -> bool:
        """The safety poll: ``head`` is the log's last number for this document now. True when the
        watermark is still short of the head the previous poll saw: an update committed a whole
        poll period ago never arrived (one merely on its way is not a reason to read the log)."""
        previous, self._polled_head = self._polled_head, head
        return self._watermark is not None and previous > self._watermark
