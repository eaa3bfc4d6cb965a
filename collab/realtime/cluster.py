"""Several workers, one document: what this worker's rooms exchange with the others.

With one process (the SQLite default) there is no cluster and nothing here runs. With several
workers on PostgreSQL and Redis, a document may be open on several workers at once (the two
pupils of a pair, the teacher, a parent, each on any worker):

* an update accepted here is committed first (the group commit numbers it), relayed to this
  worker's peers, then published on the bus with its number; the workers holding the same room
  apply it in the log's order and relay it to theirs;
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from collab import errors
from collab.errors import CollabError
from collab.models import DocStatus
from collab.realtime.bus import Bus
from collab.realtime.room import Peer, Room
from collab.realtime.sequencing import Sequencer
from collab.store import DocumentStore

log = logging.getLogger(__name__)

#: A gap in a room's numbers is repaired from the log after this long (the bus delivers in order,
#: so a gap that lasts means a message was lost).
REPAIR_AFTER_SECONDS = 0.05
#: Every open room is compared with the log this often (what the bus lost without a gap showing:
#: the last updates of a burst).
POLL_SECONDS = 5.0
#: A remote connection whose presence was not renewed for this long is forgotten (clients renew
#: theirs every 15 s; a worker that died renews nothing).
REMOTE_PRESENCE_SECONDS = 40.0
#: The topic of the hub's events.
HUB_TOPIC = "hub"


class ClusterHub(Protocol):
    """What the cluster needs of the hub: its rooms, and its actions done here only."""

    rooms: dict[str, Room]

    def spawn(self, work: Any) -> None: ...

    def apply_event(self, event: dict[str, Any]) -> None: ...


def error_of(name: str, detail: str) -> CollabError:
    """The error an event names (a CollabError subclass of collab.errors), else a plain one."""
    kind = getattr(errors, name, None)
    if isinstance(kind, type) and issubclass(kind, CollabError):
        return kind(detail)
    return errors.ServerError(detail)


@dataclass(eq=False)
class Tracked:
    """One open document: its numbering and what arrived before its room was built."""

    sequencer: Sequencer | None = None
    early: list[tuple[int, bytes]] = field(default_factory=list)
    repairing: bool = False


class Cluster:
    def __init__(self, hub: ClusterHub, bus: Bus, documents: DocumentStore, *, clock: Callable[[], float] = time.time) -> None:
        self._hub = hub
        self._bus = bus
        self._documents = documents
        self._clock = clock
        self._tracked: dict[str, Tracked] = {}
        self._poll: asyncio.Task[None] | None = None
        self.repairs = 0

    async def start(self) -> None:
        await self._bus.start()
        self._bus.on_reconnect(self._reconnected)
        await self._bus.subscribe_events(HUB_TOPIC, self._hub.apply_event)
        self._poll = asyncio.get_running_loop().create_task(self._poll_forever(), name="cluster-poll")

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            await asyncio.gather(self._poll, return_exceptions=True)
        await self._bus.close()

    @property
    def healthy(self) -> bool:
        return self._bus.healthy

    # -- rooms ---------------------------------------------------------------------------

    async def opening(self, doc_id: str) -> None:
        """Before a room loads: hear its updates from now on (buffered until it is built), so that
        nothing committed between the load and the subscription is missed."""
        self._tracked[doc_id] = Tracked()
        await self._bus.subscribe_document(doc_id, self._update_heard, self._presence_heard)

    def opened(self, room: Room) -> None:
        """The room is built from the log up to ``room.last_seq``: what came meanwhile is applied."""
        tracked = self._tracked.setdefault(room.doc_id, Tracked())
        tracked.sequencer = Sequencer(room.last_seq)
        early, tracked.early = tracked.early, []
        for seq, update in early:
            self._offer(room, tracked, seq, update)

    def closed(self, doc_id: str) -> None:
        """The room left this worker (or failed to load)."""
        if self._tracked.pop(doc_id, None) is not None:
            self._hub.spawn(self._bus.unsubscribe_document(doc_id))

    def committed(self, room: Room, seq: int, update: bytes) -> None:
        tracked = self._tracked.get(room.doc_id)
        if tracked is not None and tracked.sequencer is not None:
            tracked.sequencer.own(seq)
        self._bus.publish_update(room.doc_id, seq, update)

    def _update_heard(self, doc_id: str, seq: int, update: bytes) -> None:
        tracked = self._tracked.get(doc_id)
        if tracked is None:
            return
        room = self._hub.rooms.get(doc_id)
        if tracked.sequencer is None or room is None:
            tracked.early.append((seq, update))
            return
        self._offer(room, tracked, seq, update)

    def _offer(self, room: Room, tracked: Tracked, seq: int, update: bytes) -> None:
        assert tracked.sequencer is not None
        for number, data in tracked.sequencer.offer(seq, update):
            room.apply_remote(number, data)
        if tracked.sequencer.waiting and not tracked.repairing:
            tracked.repairing = True
            asyncio.get_running_loop().call_later(REPAIR_AFTER_SECONDS, self._repair_later, room.doc_id)

    def _repair_later(self, doc_id: str) -> None:
        self._hub.spawn(self.repair(doc_id))

    async def repair(self, doc_id: str) -> None:
        """Read from the log what the room lacks after its watermark, and apply it in order."""
        tracked = self._tracked.get(doc_id)
        room = self._hub.rooms.get(doc_id)
        if tracked is None or tracked.sequencer is None or room is None:
            return
        try:
            rows = await self._documents.read_log(doc_id, after_seq=tracked.sequencer.watermark)
        except CollabError as exc:
            log.warning("repairing %s from the log failed (%s): tried again by the poll", doc_id, exc.detail)
            return
        finally:
            tracked.repairing = False
        self.repairs += 1
        for row in rows:
            if self._tracked.get(doc_id) is tracked and self._hub.rooms.get(doc_id) is room:
                self._offer(room, tracked, row.seq, row.data)

    def _reconnected(self) -> None:
        """The bus lost its connection: what was published meanwhile is read from the log."""
        for doc_id in list(self._tracked):
            self._hub.spawn(self.repair(doc_id))

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.poll()
            except Exception:
                log.exception("comparing the open rooms with the log failed (tried again later)")

    async def poll(self) -> int:
        """Repair every open room the log is ahead of; forget stale remote presence. Returns how
        many rooms were behind."""
        now = self._clock()
        for room in list(self._hub.rooms.values()):
            for key, connection in list(room.remote.items()):
                if now - connection.seen > REMOTE_PRESENCE_SECONDS:
                    room.remote_left(key)
        watermarks = {
            doc_id: t.sequencer.watermark for doc_id, t in self._tracked.items() if t.sequencer is not None
        }
        if not watermarks:
            return 0
        heads = await self._documents.heads(list(watermarks))
        behind = [doc_id for doc_id, head in heads.items() if head > watermarks.get(doc_id, head)]
        for doc_id in behind:
            await self.repair(doc_id)
        return len(behind)

    # -- presence ------------------------------------------------------------------------

    def presence_relayed(self, room: Room, peer: Peer, payload: bytes) -> None:
        self._bus.publish_presence(room.doc_id, _connection_key(self._bus.origin, peer), peer.user.id, payload)

    def peer_left(self, room: Room, peer: Peer) -> None:
        self._bus.publish_presence(room.doc_id, _connection_key(self._bus.origin, peer), peer.user.id, b"")

    def _presence_heard(self, doc_id: str, key: str, person: int, payload: bytes) -> None:
        room = self._hub.rooms.get(doc_id)
        if room is None:
            return
        if payload:
            room.apply_remote_presence(key, person, payload, self._clock())
        else:
            room.remote_left(key)

    # -- the hub's events ----------------------------------------------------------------

    def tell(self, kind: str, **fields: Any) -> None:
        """Tell the other workers what the hub just did here (they do the same to theirs)."""
        self._bus.publish_event(HUB_TOPIC, {"kind": kind, **fields})


def _connection_key(origin: str, peer: Peer) -> str:
    return f"{origin}:{id(peer):x}"


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


def users_of(event: dict[str, Any]) -> Iterable[int]:
    return [int(u) for u in event.get("users", [])]
