"""Cards across workers: a dashboard on one worker shows pairs whose rooms are on others.

With several workers, each worker that holds a room sends, at most every FLUSH_SECONDS and
only after a change, a summary of it (text, writers connected there, recent edits, who agrees)
on the bus topic of its document. A feed on any worker listens to the topics of its task's
documents and merges the summaries of every worker into each card (collab.dashboard.cards). So
a dashboard costs the workers one small message per changed pair per second, as a local feed
costs one read of the room per second: never work per keystroke.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collab.realtime.bus import Bus
from collab.realtime.hooks import RoomEvent, RoomHooks, Rooms, RoomView

log = logging.getLogger(__name__)

#: A room's summary is sent at most this often (the dashboard's own rhythm).
FLUSH_SECONDS = 1.0
#: A worker that said nothing of a room for this long no longer holds it (it died, or its
#: room unloaded without a word): its summary is dropped.
SUMMARY_SECONDS = 45.0
#: Even without changes, a room's summary is said again this often (it keeps it alive).
RENEW_SECONDS = 15.0


def card_topic(doc_id: str) -> str:
    return f"card:{doc_id}"


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """What one worker's room of a document shows a dashboard."""

    worker: str
    text: str
    writers: tuple[int, ...]
    activity: tuple[tuple[int, int], ...]  # (bucket, edits) of this worker's peers
    last_edit: float | None
    last_author: int | None
    agreed: tuple[int, ...]
    at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "text": self.text,
            "writers": list(self.writers),
            "activity": [list(a) for a in self.activity],
            "last_edit": self.last_edit,
            "last_author": self.last_author,
            "agreed": list(self.agreed),
            "at": self.at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoomSummary:
        """A summary from the bus (ValueError, KeyError or TypeError when malformed)."""
        last_author = data["last_author"]
        last_edit = data["last_edit"]
        return cls(
            worker=str(data["worker"]),
            text=str(data["text"]),
            writers=tuple(int(u) for u in data["writers"]),
            activity=tuple((int(b), int(n)) for b, n in data["activity"]),
            last_edit=float(last_edit) if last_edit is not None else None,
            last_author=int(last_author) if last_author is not None else None,
            agreed=tuple(int(u) for u in data["agreed"]),
            at=float(data["at"]),
        )


def summary_of(room: RoomView, worker: str, agreed: list[int], now: float) -> RoomSummary:
    return RoomSummary(
        worker=worker,
        text=room.current_text(),
        writers=tuple(sorted({p.user.id for p in room.peers if p.can_write})),
        activity=tuple((int(b), int(n)) for b, n in room.activity),
        last_edit=room.last_edit_at,
        last_author=room.last_author_id,
        agreed=tuple(agreed),
        at=now,
    )


class CardRelay(RoomHooks):
    """This worker's side: the summaries of its rooms, sent on the bus."""

    def __init__(self, bus: Bus, agreed: Callable[[str], list[int]], *, clock: Callable[[], float] = time.time) -> None:
        self._bus = bus
        self._agreed = agreed
        self._clock = clock
        self._dirty: dict[str, RoomView] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._renew: asyncio.TimerHandle | None = None
        self._rooms: Rooms | None = None

    def bind(self, rooms: Rooms) -> None:
        self._rooms = rooms

    async def loaded(self, room: RoomView) -> None:
        self._mark(room)
        if self._renew is None:
            self._renew = asyncio.get_running_loop().call_later(RENEW_SECONDS, self._renew_all)

    def changed(self, room: RoomView, event: RoomEvent) -> None:
        self._mark(room)

    def facts(self, doc_id: str) -> None:
        room = self._rooms.room(doc_id) if self._rooms is not None else None
        if room is not None:
            self._mark(room)

    def unloaded(self, room: RoomView) -> None:
        self._dirty.pop(room.doc_id, None)
        self._bus.publish_event(card_topic(room.doc_id), {"worker": self._bus.origin, "gone": True})

    def _mark(self, room: RoomView) -> None:
        self._dirty[room.doc_id] = room
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._timer = None
        dirty, self._dirty = self._dirty, {}
        now = self._clock()
        for doc_id, room in dirty.items():
            if room.broken:
                continue
            summary = summary_of(room, self._bus.origin, self._agreed(doc_id), now)
            self._bus.publish_event(card_topic(doc_id), summary.as_json())

    def _renew_all(self) -> None:
        self._renew = None
        if self._rooms is None:
            return
        for doc_id in self._rooms.loaded_documents():
            room = self._rooms.room(doc_id)
            if room is not None:
                self._mark(room)
        self._renew = asyncio.get_running_loop().call_later(RENEW_SECONDS, self._renew_all)

    def close(self) -> None:
        for timer in (self._timer, self._renew):
            if timer is not None:
                timer.cancel()
