"""Several workers, one document: what this worker's rooms exchange with the others.

With one process (the SQLite default) there is no cluster and nothing here runs. With several
workers on PostgreSQL and Redis, a document may be open on several workers at once (the two
pupils of a pair, the teacher, a parent, each on any worker):

* an update accepted here is committed first (the group commit numbers it), relayed to this
  worker's peers, then published on the bus (collab.realtime.bus) with its number; the workers
  holding the same room apply it in the log's order (collab.realtime.sequencing) and relay it;
* PostgreSQL is the truth, the bus only the fast path: a room that sees a gap in the numbers, a
  bus that reconnected, or the safety poll finding the log ahead of a room, reads the missing
  updates from the log;
* presence (awareness) is passed on as each worker checked it, tagged with its connection;
* what the hub does to rooms and connections beyond one document's text (a status written, a
  credential revoked, rights to check again, a document added or deleted, facts to read again)
  is told to the other workers, which do the same to theirs.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import struct
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import collab.errors as error_classes
from collab.errors import CollabError, ServerError
from collab.models import DocStatus
from collab.realtime.bus import Bus
from collab.realtime.room import Peer, Room
from collab.realtime.sequencing import Sequencer
from collab.store import DocumentStore

log = logging.getLogger(__name__)

#: Every open room is compared with the log this often (what the bus lost without a gap showing:
#: the last updates of a burst).
POLL_SECONDS = 5.0
#: A remote connection whose presence was not renewed for this long is forgotten (clients renew
#: theirs every 15 s; a worker that died renews nothing).
REMOTE_PRESENCE_SECONDS = 40.0
#: The topic of the hub's events.
HUB_TOPIC = "hub"
#: How long a question to the other workers waits for a first answer (collab.realtime.hub.say).
ANSWER_SECONDS = 1.0
#: A presence message: the connection (on its worker) and its person, then the awareness payload
#: (empty: the connection closed).
_PRESENCE = struct.Struct(">QQ")


class ClusterHub(Protocol):
    """What the cluster needs of the hub: its rooms, and its actions done here only."""

    rooms: dict[str, Room]

    def spawn(self, work: Coroutine[Any, Any, None]) -> None: ...

    def apply_event(self, event: dict[str, Any]) -> None: ...


def error_of(name: str, detail: str) -> CollabError:
    """The error an event names (a CollabError subclass of collab.errors), else a server error."""
    kind = getattr(error_classes, name, None)
    if isinstance(kind, type) and issubclass(kind, CollabError):
        return kind(detail)
    return ServerError(detail)


def status_event(doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> dict[str, Any]:
    return {"doc": doc_id, "status": status.value, "sent_back": sent_back}


def revocation_event(user_id: int, error: CollabError, credential: str | None, keep: str | None) -> dict[str, Any]:
    return {
        "user": user_id,
        "error": type(error).__name__,
        "detail": error.detail,
        "credential": credential,
        "keep": keep,
    }


class RoomLink:
    """One document open on this worker, as the bus's listener: the order of its updates (own ones
    are None: applied already) and what arrives while its room loads."""

    def __init__(self, cluster: Cluster, doc_id: str) -> None:
        self.cluster = cluster
        self.doc_id = doc_id
        self.sequencer: Sequencer[bytes | None] = Sequencer()
        self.room: Room | None = None
        self._repair_timer: asyncio.TimerHandle | None = None

    # -- what the bus tells (on its reader task: quick, never blocking) ------------------

    def remote_update(self, seq: int, update: bytes, origin: str) -> None:
        self.offer(seq, update)

    def remote_presence(self, frame: bytes, origin: str) -> None:
        room = self.room
        if room is None or len(frame) < _PRESENCE.size:
            return
        connection, person = _PRESENCE.unpack_from(frame)
        key, payload = f"{origin}/{connection:x}", frame[_PRESENCE.size :]
        if payload:
            room.apply_remote_presence(key, person, payload, self.cluster.clock())
        else:
            room.remote_left(key)

    def remote_event(self, payload: dict[str, Any], origin: str) -> None:
        """A worker that just opened the room asks who is there: this worker says its peers'
        presence again (the hub's own events travel on their topic: collab.realtime.hub.apply_event)."""
        room = self.room
        if payload.get("kind") != "who" or room is None:
            return
        for peer in room.peers:
            states = room.awareness.states_of(peer)
            if states is not None:
                self.cluster.presence_relayed(room, peer, states)

    # -- ordering ------------------------------------------------------------------------

    def loaded(self, room: Room) -> None:
        """The room is built from the log up to its watermark: what came meanwhile follows."""
        self.room = room
        self._apply(self.sequencer.start(room.last_seq, time.monotonic()))
        self.cluster.bus.publish_document_event(self.doc_id, {"kind": "who"})  # presence on the others

    def offer(self, seq: int, update: bytes | None) -> None:
        self._apply(self.sequencer.offer(seq, update, time.monotonic()))

    def _apply(self, ready: list[tuple[int, bytes | None]]) -> None:
        room = self.room
        if room is None:
            return
        for seq, update in ready:
            if update is not None:
                room.apply_remote(seq, update)
        watermark = self.sequencer.watermark
        if watermark is not None:
            room.last_seq = watermark
        self._schedule_repair()

    def _schedule_repair(self) -> None:
        at = self.sequencer.repair_at
        if at is None or self._repair_timer is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, at - time.monotonic()) if at != float("-inf") else 0.0
        self._repair_timer = loop.call_later(delay, self._repair_now)

    def _repair_now(self) -> None:
        self._repair_timer = None
        self.cluster.spawn(self.repair())

    async def repair(self) -> None:
        """Read from the log what the room lacks after its watermark, and apply it in order."""
        if self.room is None or self.sequencer.repairing or self.sequencer.watermark is None:
            return
        after = self.sequencer.begin_repair(time.monotonic())
        try:
            rows = await self.cluster.documents.read_log(self.doc_id, after_seq=after)
        except Exception as exc:
            self.sequencer.abandon_repair()
            log.warning("repairing %s from the log failed (%s): tried again", self.doc_id, exc)
            self._schedule_repair()
            return
        self.cluster.repairs += 1
        self._apply(self.sequencer.finish_repair([(row.seq, row.data) for row in rows]))

    def close(self) -> None:
        if self._repair_timer is not None:
            self._repair_timer.cancel()
            self._repair_timer = None
        self.room = None


class Cluster:
    """This worker's side of the documents other workers hold too (see the module's docstring)."""

    def __init__(
        self, hub: ClusterHub, bus: Bus, documents: DocumentStore, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._hub = hub
        self.bus = bus
        self.documents = documents
        self.clock = clock
        self._links: dict[str, RoomLink] = {}
        self._poll: asyncio.Task[None] | None = None
        #: Questions asked to the other workers, waiting for a first answer.
        self._questions: dict[str, asyncio.Future[dict[str, Any]]] = {}
        #: Reads of the log that filled a gap (or found nothing missing).
        self.repairs = 0

    async def start(self) -> None:
        await self.bus.start()
        self.bus.on_reconnect(self._reconnected)
        await self.bus.subscribe_events(HUB_TOPIC, self._hub.apply_event)
        await self.bus.subscribe_events(self._answers_topic, self._answered)
        self._poll = asyncio.get_running_loop().create_task(self._poll_forever(), name="cluster-poll")

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            await asyncio.gather(self._poll, return_exceptions=True)
        for link in self._links.values():
            link.close()
        self._links.clear()
        await self.bus.close()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._hub.spawn(work)

    @property
    def healthy(self) -> bool:
        return self.bus.healthy

    # -- rooms ---------------------------------------------------------------------------

    async def opening(self, doc_id: str) -> None:
        """Before a room loads: hear its updates from now on (kept until it is built), so that
        nothing committed between the read of the log and the subscription is missed."""
        link = RoomLink(self, doc_id)
        self._links[doc_id] = link
        await self.bus.subscribe_document(doc_id, link)

    def opened(self, room: Room) -> None:
        link = self._links.get(room.doc_id)
        if link is not None:
            link.loaded(room)

    def closed(self, doc_id: str) -> None:
        """The room left this worker (or failed to load)."""
        link = self._links.pop(doc_id, None)
        if link is not None:
            link.close()
            self.bus.unsubscribe_document(doc_id, link)

    def committed(self, room: Room, seq: int, update: bytes) -> None:
        """An update accepted here is durable as ``seq``: it moves the room's watermark (once the
        numbers before it are here too), and the other workers hear of it."""
        link = self._links.get(room.doc_id)
        if link is not None and link.room is room:
            link.offer(seq, None)
        self.bus.publish_update(room.doc_id, seq, update)

    def _reconnected(self) -> None:
        """The bus lost Redis for a while: what was published meanwhile is read from the log."""
        self.spawn(self._repair_behind())

    async def _repair_behind(self) -> None:
        """Repair the open rooms the log is ahead of (one query for the heads of all of them)."""
        links = [link for link in self._links.values() if link.room is not None]
        if not links:
            return
        try:
            heads = await self.documents.heads([link.doc_id for link in links])
        except Exception as exc:  # the safety poll will try again
            log.warning("reading the log's heads after a reconnection failed (%s)", exc)
            return
        for link in links:
            watermark = link.sequencer.watermark
            if watermark is not None and heads.get(link.doc_id, 0) > watermark:
                await link.repair()

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.poll()
            except Exception:
                log.exception("comparing the open rooms with the log failed (tried again later)")

    async def poll(self) -> int:
        """Repair every open room the log was already ahead of at the previous poll; forget the
        presence of remote connections not renewed. Returns how many rooms were repaired."""
        now = self.clock()
        for room in list(self._hub.rooms.values()):
            for key, connection in list(room.remote.items()):
                if now - connection.seen > REMOTE_PRESENCE_SECONDS:
                    room.remote_left(key)
        links = [link for link in self._links.values() if link.room is not None]
        if not links:
            return 0
        heads = await self.documents.heads([link.doc_id for link in links])
        behind = [link for link in links if link.sequencer.behind(heads.get(link.doc_id, 0))]
        for link in behind:
            await link.repair()
        return len(behind)

    # -- presence ------------------------------------------------------------------------

    def presence_relayed(self, room: Room, peer: Peer, payload: bytes) -> None:
        self.bus.publish_presence(room.doc_id, _PRESENCE.pack(id(peer), peer.user.id) + payload)

    def peer_left(self, room: Room, peer: Peer) -> None:
        self.bus.publish_presence(room.doc_id, _PRESENCE.pack(id(peer), peer.user.id))

    # -- the hub's events ----------------------------------------------------------------

    def tell(self, kind: str, **fields: Any) -> None:
        """Tell the other workers what the hub just did here (they do the same to theirs)."""
        self.bus.publish_event(HUB_TOPIC, {"kind": kind, **fields})

    @property
    def _answers_topic(self) -> str:
        return f"answers:{self.bus.origin}"

    async def ask(self, kind: str, **fields: Any) -> dict[str, Any] | None:
        """Tell the other workers as :meth:`tell` does, and wait (ANSWER_SECONDS at most) for the
        first one that answers (:meth:`answer`): its answer, or None if none did."""
        question = secrets.token_hex(8)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._questions[question] = answer
        try:
            self.bus.publish_event(HUB_TOPIC, {"kind": kind, "ask": [self._answers_topic, question], **fields})
            return await asyncio.wait_for(answer, ANSWER_SECONDS)
        except TimeoutError:
            return None
        finally:
            self._questions.pop(question, None)

    def answer(self, event: dict[str, Any], reply: dict[str, Any]) -> None:
        """Answer an event that asked (:meth:`ask`)."""
        asked = event.get("ask")
        if isinstance(asked, list) and len(asked) == 2:
            self.bus.publish_event(str(asked[0]), {"question": str(asked[1]), **reply})

    def _answered(self, reply: dict[str, Any]) -> None:
        answer = self._questions.get(str(reply.get("question")))
        if answer is not None and not answer.done():
            answer.set_result(reply)
