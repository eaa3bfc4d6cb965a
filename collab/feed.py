"""Class feeds: what the teacher's dashboard shows of every pair of a task, live.

A keystroke only marks its pair as changed (a set insertion, in the room's observer); at most
every FLUSH_SECONDS the feed reads the changed rooms once and sends their state to each
dashboard of the task, so a pair's card changes at most ~10 times a second however fast
pupils type, and dashboards never add work per keystroke.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from collab.models import DocStatus, User
from collab.progress import Progress, words
from collab.room import ACTIVITY_BUCKET, ACTIVITY_BUCKETS, Room, stored_text
from collab.store.tasks import Task

if TYPE_CHECKING:
    from collab.hub import Hub

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
#: Partner colours, shared with the writing room (Okabe–Ito: told apart by colour-blind eyes too).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def coloured(members: Sequence[User]) -> list[dict[str, Any]]:
    """A pair's members as the pages draw them: id, name and their colour (same order, same colour
    on the pupils' screens, the dashboard and the replay)."""
    return [{"id": m.id, "name": m.display_name, "colour": COLOURS[i % len(COLOURS)]} for i, m in enumerate(members)]


@dataclass
class PairCard:
    """What the dashboard knows of one pair's document between two flushes."""

    doc_id: str
    pair_number: int
    group: str
    members: list[dict[str, Any]]
    reference: str
    status: str
    text: str = ""
    last_author: int | None = None
    last_edit: float | None = None
    #: Words and progress, counted on every change (only the new words, while pupils type at the end).
    _counted: str | None = None
    _words: int = 0
    _matched: int = 0

    def __post_init__(self) -> None:
        self._expected = words(self.reference)
        self._progress = Progress(self._expected)

    def as_json(self, room: Room | None, now: float, *, full: bool = False) -> dict[str, Any]:
        """The card's live fields; with ``full``, also those that never change (for a snapshot)."""
        if room is not None:
            self.text = str(room.text)
            if room.last_edit_at is not None:
                self.last_edit, self.last_author = room.last_edit_at, room.last_author_id
        connected = sorted({p.user.id for p in room.peers if p.can_write}) if room is not None else []
        activity = [0] * ACTIVITY_BUCKETS
        if room is not None:
            newest = int(now // ACTIVITY_BUCKET)
            for bucket, count in room.activity:
                age = newest - bucket
                if 0 <= age < ACTIVITY_BUCKETS:
                    activity[ACTIVITY_BUCKETS - 1 - age] = count
        if self._counted != self.text:
            self._counted = self.text
            self._words, self._matched = self._progress.update(self.text)
        card: dict[str, Any] = {
            "doc": self.doc_id,
            "status": self.status,
            "text": self.text,
            "words": self._words,
            "connected": connected,
            "last_author": self.last_author,
            "last_edit": self.last_edit,
            "activity": activity,
            "agreed": sorted(room.agreed) if room is not None else [],
            "progress": {"matched": self._matched, "total": len(self._expected)} if self._expected else None,
        }
        if full:
            card.update(pair=self.pair_number, group=self.group, members=self.members)
        return card


Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(eq=False)
class Dashboard:
    """One dashboard's connection: the latest state of each changed pair waits here until sent,
    so a slow screen gets fewer, fresher messages instead of a growing queue."""

    send: Send
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def push(self, cards: list[dict[str, Any]]) -> None:
        for card in cards:
            self.pending[card["doc"]] = card
        self.ready.set()

    async def run(self) -> None:
        while not self.closed:
            await self.ready.wait()
            self.ready.clear()
            if self.pending:
                cards, self.pending = list(self.pending.values()), {}
                await self.send({"type": "update", "now": time.time(), "pairs": cards})


class TaskFeed:
    def __init__(self, hub: Hub, task: Task, cards: dict[str, PairCard]) -> None:
        self._hub = hub
        self.task = task
        self.cards = cards
        self.dashboards: set[Dashboard] = set()
        self._dirty: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last_flush = 0.0

    def observe(self, room: Room, event: str) -> None:
        self.mark(room.doc_id)

    def mark(self, doc_id: str) -> None:
        if not self.dashboards or doc_id not in self.cards:
            return
        self._dirty.add(doc_id)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, self._last_flush + FLUSH_SECONDS - loop.time())
            self._timer = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        self._timer = None
        self._last_flush = asyncio.get_running_loop().time()
        dirty, self._dirty = self._dirty, set()
        now = time.time()
        cards = [self.cards[d].as_json(self._hub.rooms.get(d), now) for d in sorted(dirty)]
        for dashboard in self.dashboards:
            dashboard.push(cards)

    def snapshot(self) -> dict[str, Any]:
        now = time.time()
        return {
            "type": "snapshot",
            "now": now,
            "task": {"id": self.task.id, "title": self.task.title, "kind": self.task.kind},
            "pairs": [card.as_json(self._hub.rooms.get(card.doc_id), now, full=True) for card in self.cards.values()],
        }

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

        for doc_id in self.cards:
            room = self._hub.rooms.get(doc_id)
            if room is not None and self.observe in room.observers:
                room.observers.remove(self.observe)


def _window_status(task: Task, status: str, now: float) -> str:
    """A document's status as the dashboard shows it: an open text outside the task's window
    is "waiting" (not open yet) or "ended"."""
    if status != DocStatus.OPEN.value:
        return status
    if task.closes_at is not None and now >= task.closes_at:
        return "ended"
    if task.opens_at is not None and now < task.opens_at:
        return "waiting"
    return status


class ClassFeeds:
    """The live feeds of the tasks some dashboard is watching."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._feeds: dict[int, TaskFeed] = {}
        self._by_doc: dict[str, TaskFeed] = {}

    async def subscribe(self, task: Task, send: Send) -> tuple[TaskFeed, Dashboard]:
        feed = self._feeds.get(task.id)
        if feed is None:
            feed = TaskFeed(self._hub, task, await self._cards(task))
            self._feeds[task.id] = feed
            for doc_id in feed.cards:
                self._by_doc[doc_id] = feed
                room = self._hub.rooms.get(doc_id)
                if room is not None:
                    room.observers.append(feed.observe)
        dashboard = Dashboard(send)
        feed.dashboards.add(dashboard)
        return feed, dashboard

    def unsubscribe(self, feed: TaskFeed, dashboard: Dashboard) -> None:
        dashboard.closed = True
        dashboard.ready.set()
        feed.dashboards.discard(dashboard)
        if not feed.dashboards and self._feeds.get(feed.task.id) is feed:
            feed.close()
            del self._feeds[feed.task.id]
            for doc_id in feed.cards:
                self._by_doc.pop(doc_id, None)

    def attach(self, room: Room) -> None:
        """A room was loaded: a feed watching its document hears of its changes from now on."""
        feed = self._by_doc.get(room.doc_id)
        if feed is not None:
            room.observers.append(feed.observe)
            feed.mark(room.doc_id)

    def changed(self, doc_id: str, status: DocStatus | None = None) -> None:
        """Something outside the room changed: its status (lock, publication), an agreement."""
        feed = self._by_doc.get(doc_id)
        if feed is not None:
            if status is not None:
                feed.cards[doc_id].status = status.value
            feed.mark(doc_id)

    def ended(self, task_id: int) -> None:
        feed = self._feeds.get(task_id)
        if feed is not None:
            for doc_id, card in feed.cards.items():
                if card.status == DocStatus.OPEN.value:
                    card.status = "ended"
                feed.mark(doc_id)

    async def _cards(self, task: Task) -> dict[str, PairCard]:
        store = self._hub.store
        groups = {g.id: g for g in task.groups}
        now = time.time()
        cards: dict[str, PairCard] = {}
        for document in await store.tasks.documents(task.id):
            pair = await store.pairs.get_pair(document.pair_id)
            members = coloured(pair.members if pair is not None else ())
            group = groups[document.group_id]
            card = PairCard(
                doc_id=document.doc_id,
                pair_number=pair.number if pair is not None else 0,
                group=group.label,
                members=members,
                reference=group.reference_text if task.kind == "dictation" else "",
                status=_window_status(task, document.status, now),
            )
            if document.doc_id not in self._hub.rooms:
                card.text = stored_text(await store.documents.load(document.doc_id))
                last = await store.documents.last_update(document.doc_id)
                if last is not None:
                    card.last_author, card.last_edit = last
            cards[document.doc_id] = card
        return cards
