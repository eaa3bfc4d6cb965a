"""Class feeds: what the teacher's dashboard shows of every pair of a task, live.

A keystroke only marks its pair as changed (a set insertion, in the ``changed`` hook); at most
every FLUSH_SECONDS the feed reads the changed rooms once and sends their state to each
dashboard of the task, so a pair's card changes at most once a second however fast pupils
type, and dashboards never add work per keystroke. Each dashboard receives only what changed
since what it was last sent (collab.dashboard.screens). Words and dictation progress, the
costliest fields, are counted again at most every COUNT_SECONDS (and always once the pair
stops typing; collab.dashboard.cards). The CPU that feeds use is counted
(``collab_feed_cpu_seconds``): the benchmark reports it against the server's.

The feeds hear of rooms through the hub's hooks (collab.realtime.hooks); who agrees with a
room's version comes from the function ``agreed`` given by the composition root.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from collab.dashboard.cards import COUNT_SECONDS, PairCard
from collab.dashboard.relay import card_topic
from collab.dashboard.screens import Dashboard, Send
from collab.errors import CollabError
from collab.models import DocStatus, Task
from collab.people import pair_authors
from collab.realtime.bus import Bus
from collab.realtime.hooks import RoomEvent, RoomHooks, Rooms, RoomView
from collab.realtime.metrics import FrameCounts
from collab.states import TextFacts
from collab.store import Store

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0

#: Who agrees with the loaded room's current version of a document (sorted user ids).
Agreed = Callable[[str], list[int]]


class TaskFeed:
    def __init__(self, feeds: ClassFeeds, task: Task, cards: dict[str, PairCard]) -> None:
        self._feeds = feeds
        self.task = task
        self.cards = cards
        self.dashboards: set[Dashboard] = set()
        self._dirty: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        #: Pairs whose words and progress lag their text: sent again once counted.
        self._behind: set[str] = set()
        self._catch_up_timer: asyncio.TimerHandle | None = None

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
            cards.append(self._feeds.card_json(card, now))
            if card.counts_behind:
                self._behind.add(doc_id)
        if self._behind and self._catch_up_timer is None:
            self._catch_up_timer = loop.call_later(COUNT_SECONDS, self._catch_up)
        for dashboard in self.dashboards:
            dashboard.push(cards)
        self._feeds.counts.feed_cpu_seconds += time.thread_time() - started

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
            "pairs": [self._feeds.card_json(card, now, full=True) for card in self.cards.values()],
        }
        self._feeds.counts.feed_cpu_seconds += time.thread_time() - started
        return message

    def close(self) -> None:
        for timer in (self._timer, self._catch_up_timer):
            if timer is not None:
                timer.cancel()


class ClassFeeds(RoomHooks):
    """The live feeds of the tasks some dashboard is watching."""

    def __init__(self, store: Store, counts: FrameCounts, agreed: Agreed, *, bus: Bus | None = None) -> None:
        self._store = store
        #: The other workers (None: one process), whose rooms' summaries the cards merge.
        self._bus = bus
        self.counts = counts
        self._agreed = agreed
        self._feeds: dict[int, TaskFeed] = {}
        self._building: dict[int, asyncio.Task[TaskFeed]] = {}
        self._by_doc: dict[str, TaskFeed] = {}
        self._reading: set[asyncio.Task[None]] = set()
        #: What hears the other workers' summaries of each watched document (collab.dashboard.relay).
        self._listeners: dict[str, Callable[[dict[str, Any]], None]] = {}

    def bind(self, rooms: Rooms) -> None:
        self._rooms = rooms

    def card_json(self, card: PairCard, now: float, *, full: bool = False) -> dict[str, Any]:
        """The card as sent now: read from its room when it is loaded."""
        room = self._rooms.room(card.doc_id)
        agreed = self._agreed(card.doc_id) if room is not None else []
        return card.as_json(room, agreed, now, full=full)

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
        dashboard = Dashboard(send, self.counts, user_id, credential, close)
        feed.dashboards.add(dashboard)
        return feed, dashboard

    def dashboards(self) -> list[tuple[TaskFeed, Dashboard]]:
        """Every open dashboard, with its feed."""
        return [(feed, dashboard) for feed in self._feeds.values() for dashboard in feed.dashboards]

    async def _open(self, task: Task) -> TaskFeed:
        feed = TaskFeed(self, task, await self._cards(task))
        self._feeds[task.id] = feed
        for doc_id in feed.cards:
            self._by_doc[doc_id] = feed
            await self._listen(doc_id)
        return feed

    async def _listen(self, doc_id: str) -> None:
        """Hear what the other workers say of this document's room (collab.dashboard.relay)."""
        if self._bus is None:
            return

        def heard(message: dict[str, Any]) -> None:
            feed = self._by_doc.get(doc_id)
            if feed is None:
                return
            try:
                feed.cards[doc_id].heard(message)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("malformed card summary for %s: %s", doc_id, exc)
                return
            feed.mark(doc_id)

        self._listeners[doc_id] = heard
        await self._bus.subscribe_events(card_topic(doc_id), heard)

    def unsubscribe(self, feed: TaskFeed, dashboard: Dashboard) -> None:
        dashboard.closed = True
        dashboard.ready.set()
        feed.dashboards.discard(dashboard)
        if not feed.dashboards and self._feeds.get(feed.task.id) is feed:
            feed.close()
            del self._feeds[feed.task.id]
            for doc_id in feed.cards:
                self._by_doc.pop(doc_id, None)
                heard = self._listeners.pop(doc_id, None)
                if self._bus is not None and heard is not None:
                    self._bus.unsubscribe_events(card_topic(doc_id), heard)

    # -- the hub's hooks -----------------------------------------------------------------

    async def loaded(self, room: RoomView) -> None:
        """A room was loaded: a feed watching its document hears of its changes from now on."""
        feed = self._by_doc.get(room.doc_id)
        if feed is not None:
            feed.mark(room.doc_id)

    def changed(self, room: RoomView, event: RoomEvent) -> None:
        feed = self._by_doc.get(room.doc_id)
        if feed is not None:
            feed.mark(room.doc_id)

    def unloaded(self, room: RoomView) -> None:
        """A room unloads: its last state stays on the card (the dashboard shows it from there)."""
        feed = self._by_doc.get(room.doc_id)
        if feed is not None:
            if not room.broken:
                feed.cards[room.doc_id].read(room)
            feed.mark(room.doc_id)

    def status(self, doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> None:
        self.facts(doc_id)

    async def added(self, doc_id: str) -> None:
        """A new document (a second draft): a dashboard watching its task shows it."""
        if not self._feeds:
            return
        assignment = await self._store.tasks.assignment(doc_id)
        if assignment is not None:
            await self.document_added(assignment[0], doc_id)

    def facts(self, doc_id: str) -> None:
        """Something outside the room changed: its status (lock, publication, approval, send-back),
        an agreement. The card's state is read again from the store, then sent."""
        feed = self._by_doc.get(doc_id)
        if feed is not None:
            self._read_facts(feed, [doc_id])

    def close_connections(self, user_id: int, closes: Callable[[str], bool], error: CollabError) -> int:
        closed = 0
        for feed, dashboard in self.dashboards():
            if dashboard.user_id == user_id and closes(dashboard.credential):
                self.unsubscribe(feed, dashboard)
                if dashboard.close is not None:
                    dashboard.close(error)
                closed += 1
        return closed

    def credentials(self) -> Iterable[tuple[str, int]]:
        return [(dashboard.credential, dashboard.user_id) for _, dashboard in self.dashboards()]

    # -- reading the store ---------------------------------------------------------------

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
            facts = await self._store.tasks.text_facts(list(asked))
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
        await self._listen(doc_id)
        whole = self.card_json(card, time.time(), full=True)
        for dashboard in feed.dashboards:
            dashboard.push([whole])

    def ended(self, task_id: int) -> None:
        """The task's window closed (its new closing time is in the store)."""
        feed = self._feeds.get(task_id)
        if feed is not None:
            self._read_facts(feed, list(feed.cards))

    async def _cards(self, task: Task, only: str | None = None) -> dict[str, PairCard]:
        """The task's cards (or the one of document ``only``), from storage for unloaded rooms."""
        store = self._store
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
            if self._rooms.room(document.doc_id) is None:
                card.text = await self._rooms.current_text(document.doc_id)
                last = await store.documents.last_update(document.doc_id)
                if last is not None:
                    card.last_author, card.last_edit = last
            cards[document.doc_id] = card
        return cards
