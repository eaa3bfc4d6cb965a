"""Class feeds: what the teacher's dashboard shows of every pair of a task, live.

A keystroke only marks its pair as changed (a set insertion, in the room's observer); at most
every FLUSH_SECONDS the feed reads the changed rooms once and sends their state to each
dashboard of the task, so a pair's card changes at most once a second however fast pupils
type, and dashboards never add work per keystroke. Each dashboard receives only what changed
since what it was last sent: the fields that differ, and of the text the characters kept
(``keep``, in code points) and those that follow (``add``). Words and dictation progress, the
costliest fields, are counted again at most every COUNT_SECONDS (and always once the pair
stops typing). The CPU that feeds use is counted (``collab_feed_cpu_seconds``): the benchmark
reports it against the server's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from collab.dashboard.progress import Progress, words
from collab.errors import CollabError
from collab.models import DocStatus, Task
from collab.people import pair_authors
from collab.realtime.metrics import FrameCounts
from collab.realtime.room import ACTIVITY_BUCKET, ACTIVITY_BUCKETS, Room, stored_text
from collab.states import TextFacts, text_state

if TYPE_CHECKING:
    from collab.realtime.hub import Hub

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
#: Words and progress lag the text by at most this long while a pair types.
COUNT_SECONDS = 3.0


@dataclass
class PairCard:
    """What the dashboard knows of one pair's document between two flushes."""

    doc_id: str
    pair_number: int
    group: str
    members: list[dict[str, Any]]
    reference: str
    #: What the text's state is derived from (read again from the store when it changes).
    facts: TextFacts
    draft: int = 1
    text: str = ""
    last_author: int | None = None
    last_edit: float | None = None
    #: Words and progress of the text ``_counted`` (only the new words, while pupils type at the end).
    _counted: str | None = None
    _counted_at: float = float("-inf")
    _words: int = 0
    _matched: int = 0
    #: How many times the facts were asked for: only the answer to the latest is kept.
    _asked: int = 0

    def __post_init__(self) -> None:
        self._expected = words(self.reference)
        self._progress = Progress(self._expected)

    def as_json(self, room: Room | None, now: float, *, full: bool = False) -> dict[str, Any]:
        """The card's live fields; with ``full``, also those that never change (for a snapshot)."""
        if room is not None:
            self.read(room)
        connected = sorted({p.user.id for p in room.peers if p.can_write}) if room is not None else []
        activity = [0] * ACTIVITY_BUCKETS
        if room is not None:
            newest = int(now // ACTIVITY_BUCKET)
            for bucket, count in room.activity:
                age = newest - bucket
                if 0 <= age < ACTIVITY_BUCKETS:
                    activity[ACTIVITY_BUCKETS - 1 - age] = count
        if self.counts_behind and (full or now - self._counted_at >= COUNT_SECONDS):
            self._counted, self._counted_at = self.text, now
            self._words, self._matched = self._progress.update(self.text)
        state = text_state(self.facts, now)
        card: dict[str, Any] = {
            "doc": self.doc_id,
            "state": state.value,
            "label": state.label,
            "hint": state.hint,
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
            card.update(pair=self.pair_number, group=self.group, members=self.members, draft=self.draft)
        return card

    def read(self, room: Room) -> None:
        """The room's text and last edit (also kept when the room unloads)."""
        self.text = str(room.text)
        if room.last_edit_at is not None:
            self.last_edit, self.last_author = room.last_edit_at, room.last_author_id

    @property
    def counts_behind(self) -> bool:
        """The words and progress sent are those of an older text (counted again soon)."""
        return self._counted != self.text


#: Sends one JSON text message to a dashboard.
Send = Callable[[str], Awaitable[None]]


@dataclass(eq=False)
class Dashboard:
    """One dashboard's connection: the latest state of each changed pair waits here until sent,
    so a slow screen gets fewer, fresher messages instead of a growing queue; what it was last
    sent of each pair is kept, so that it is sent only the difference."""

    send: Send
    counts: FrameCounts
    #: Whose dashboard, opened with which credential; how to close its socket (rights revoked).
    user_id: int = 0
    credential: str = ""
    close: Callable[[CollabError], None] | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def first(self, snapshot: dict[str, Any]) -> str:
        """The snapshot message, remembered as what this dashboard has."""
        started = time.thread_time()
        for card in snapshot["pairs"]:
            self.sent[card["doc"]] = card
        message = _encode(snapshot)
        self.counts.feed_cpu_seconds += time.thread_time() - started
        return message

    def push(self, cards: list[dict[str, Any]]) -> None:
        for card in cards:
            self.pending[card["doc"]] = card
        self.ready.set()

    async def run(self) -> None:
        while not self.closed:
            await self.ready.wait()
            self.ready.clear()
            if self.pending:
                started = time.thread_time()
                cards, self.pending = self.pending.values(), {}
                changes = [change for card in cards if (change := self._change(card)) is not None]
                if changes:
                    await self.send(_encode({"type": "update", "now": time.time(), "pairs": changes}))
                self.counts.feed_cpu_seconds += time.thread_time() - started

    def _change(self, card: dict[str, Any]) -> dict[str, Any] | None:
        """What differs from the card this dashboard was last sent (None: nothing)."""
        doc = card["doc"]
        before = self.sent.get(doc)
        self.sent[doc] = card
        if before is None:
            return card
        change = {key: value for key, value in card.items() if key != "text" and before.get(key) != value}
        old, new = before["text"], card["text"]
        if new != old:
            keep = common_prefix(old, new)
            change["keep"], change["add"] = keep, new[keep:]
        if not change:
            return None
        change["doc"] = doc
        return change


def common_prefix(old: str, new: str) -> int:
    """How many leading characters two texts share (typing at the end: all of the old one)."""
    if new.startswith(old):
        return len(old)
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest equal prefix, by halving: slices compare in C
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class TaskFeed:
    def __init__(self, hub: Hub, task: Task, cards: dict[str, PairCard]) -> None:
        self._hub = hub
        self.task = task
        self.cards = cards
        self.dashboards: set[Dashboard] = set()
        self._dirty: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        #: Pairs whose words and progress lag their text: sent again once counted.
        self._behind: set[str] = set()
        self._catch_up_timer: asyncio.TimerHandle | None = None

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
        started = time.thread_time()
        loop = asyncio.get_running_loop()
        self._timer = None
        self._last_flush = loop.time()
        dirty, self._dirty = self._dirty, set()
        now = time.time()
        cards = []
        for doc_id in sorted(dirty):
            card = self.cards[doc_id]
            cards.append(card.as_json(self._hub.rooms.get(doc_id), now))
            if card.counts_behind:
                self._behind.add(doc_id)
        if self._behind and self._catch_up_timer is None:
            self._catch_up_timer = loop.call_later(COUNT_SECONDS, self._catch_up)
        for dashboard in self.dashboards:
            dashboard.push(cards)
        self._hub.metrics.counts.feed_cpu_seconds += time.thread_time() - started

    def _catch_up(self) -> None:
        self._catch_up_timer = None
        behind, self._behind = self._behind, set()
        for doc_id in behind:
            if self.cards[doc_id].counts_behind:
                self.mark(doc_id)

    def snapshot(self) -> dict[str, Any]:
        """Every pair's whole card (for a dashboard that just connected)."""
        started = time.thread_time()
        now = time.time()
        message = {
            "type": "snapshot",
            "now": now,
            "task": {"id": self.task.id, "title": self.task.title, "kind": self.task.kind},
            "pairs": [card.as_json(self._hub.rooms.get(card.doc_id), now, full=True) for card in self.cards.values()],
        }
        self._hub.metrics.counts.feed_cpu_seconds += time.thread_time() - started
        return message

    def close(self) -> None:
        for timer in (self._timer, self._catch_up_timer):
            if timer is not None:
                timer.cancel()

        for doc_id in self.cards:
            room = self._hub.rooms.get(doc_id)
            if room is not None and self.observe in room.observers:
                room.observers.remove(self.observe)


class ClassFeeds:
    """The live feeds of the tasks some dashboard is watching."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._feeds: dict[int, TaskFeed] = {}
        self._building: dict[int, asyncio.Task[TaskFeed]] = {}
        self._by_doc: dict[str, TaskFeed] = {}
        self._reading: set[asyncio.Task[None]] = set()

    async def subscribe(
        self,
        task: Task,
        send: Send,
        *,
        user_id: int = 0,
        credential: str = "",
        close: Callable[[CollabError], None] | None = None,
    ) -> tuple[TaskFeed, Dashboard]:
        feed = self._feeds.get(task.id)
        if feed is None:
            # Two dashboards opening the same task at once share one feed, built once.
            building = self._building.get(task.id)
            if building is None:
                building = asyncio.get_running_loop().create_task(self._open(task))
                self._building[task.id] = building
                building.add_done_callback(lambda _: self._building.pop(task.id, None))
            feed = await asyncio.shield(building)
        dashboard = Dashboard(send, self._hub.metrics.counts, user_id, credential, close)
        feed.dashboards.add(dashboard)
        return feed, dashboard

    def dashboards(self) -> list[tuple[TaskFeed, Dashboard]]:
        """Every open dashboard, with its feed."""
        return [(feed, dashboard) for feed in self._feeds.values() for dashboard in feed.dashboards]

    async def _open(self, task: Task) -> TaskFeed:
        feed = TaskFeed(self._hub, task, await self._cards(task))
        self._feeds[task.id] = feed
        for doc_id in feed.cards:
            self._by_doc[doc_id] = feed
            room = self._hub.rooms.get(doc_id)
            if room is not None:
                room.observers.append(feed.observe)
        return feed

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

    def detach(self, room: Room) -> None:
        """A room unloads: its last state stays on the card (the dashboard shows it from there)."""
        feed = self._by_doc.get(room.doc_id)
        if feed is not None:
            feed.cards[room.doc_id].read(room)
            if feed.observe in room.observers:
                room.observers.remove(feed.observe)
            feed.mark(room.doc_id)

    def changed(self, doc_id: str) -> None:
        """Something outside the room changed: its status (lock, publication, approval, send-back),
        an agreement. The card's state is read again from the store, then sent."""
        feed = self._by_doc.get(doc_id)
        if feed is not None:
            self._read_facts(feed, [doc_id])

    def _read_facts(self, feed: TaskFeed, doc_ids: list[str]) -> None:
        asked = {}
        for doc_id in doc_ids:
            card = feed.cards[doc_id]
            card._asked += 1
            asked[doc_id] = card._asked
        reading = asyncio.get_running_loop().create_task(self._apply_facts(feed, asked))
        self._reading.add(reading)
        reading.add_done_callback(self._reading.discard)

    async def _apply_facts(self, feed: TaskFeed, asked: dict[str, int]) -> None:
        try:
            facts = await self._hub.store.tasks.text_facts(list(asked))
        except Exception:  # a closing store: the next change reads them again
            log.exception("could not read the state of %s", sorted(asked))
            return
        for doc_id, number in asked.items():
            card = feed.cards.get(doc_id)
            if card is not None and card._asked == number and doc_id in facts:
                card.facts = facts[doc_id]
                feed.mark(doc_id)

    async def document_added(self, task: Task, doc_id: str) -> None:
        """A document joined a watched task (a second draft): its card reaches the dashboards."""
        feed = self._feeds.get(task.id)
        if feed is None or doc_id in feed.cards:
            return
        card = (await self._cards(task, only=doc_id)).get(doc_id)
        if card is None:
            return
        feed.cards[doc_id] = card
        self._by_doc[doc_id] = feed
        room = self._hub.rooms.get(doc_id)
        if room is not None:
            room.observers.append(feed.observe)
        whole = card.as_json(room, time.time(), full=True)
        for dashboard in feed.dashboards:
            dashboard.push([whole])

    def ended(self, task_id: int) -> None:
        """The task's window closed (its new closing time is in the store)."""
        feed = self._feeds.get(task_id)
        if feed is not None:
            self._read_facts(feed, list(feed.cards))

    async def _cards(self, task: Task, only: str | None = None) -> dict[str, PairCard]:
        """The task's cards (or the one of document ``only``), from storage for unloaded rooms."""
        store = self._hub.store
        groups = {g.id: g for g in task.groups}
        pairs = {p.id: p for p in await store.pairs.pairs_of_class(task.class_id)}
        cards: dict[str, PairCard] = {}
        documents = [d for d in await store.tasks.documents(task.id) if only is None or d.doc_id == only]
        facts = await store.tasks.text_facts([d.doc_id for d in documents])
        for document in documents:
            pair = pairs.get(document.pair_id)
            members = pair_authors(pair)
            group = groups[document.group_id]
            card = PairCard(
                doc_id=document.doc_id,
                pair_number=pair.number if pair is not None else 0,
                group=group.label,
                members=members,
                reference=group.reference_text if task.kind == "dictation" else "",
                facts=facts.get(document.doc_id, TextFacts(DocStatus(document.status))),
                draft=document.draft,
            )
            if document.doc_id not in self._hub.rooms:
                card.text = stored_text(await store.documents.load(document.doc_id))
                last = await store.documents.last_update(document.doc_id)
                if last is not None:
                    card.last_author, card.last_edit = last
            cards[document.doc_id] = card
        return cards
