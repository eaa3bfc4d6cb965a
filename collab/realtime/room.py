"""One document being edited: its peers, its awareness, and validate → log → relay.

The room talks to its peers through the small :class:`Channel` interface, never to
Starlette, so it can be driven by in-memory channels in tests.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from pycrdt import Doc, Text, get_update

from collab.errors import (
    BadRequest,
    CollabError,
    DocumentTooLarge,
    Locked,
    PresenceFull,
    ReadOnly,
    ServerError,
)
from collab.models import Access, LoadedDocument, PendingUpdate, User
from collab.realtime import protocol
from collab.realtime.awareness import SERVER_CLIENT_ID, PresenceLimits, RoomAwareness
from collab.realtime.channel import Channel
from collab.realtime.crdt import FATAL, apply_checked, build_doc, has_structs, new_doc, shared_text, text_of
from collab.realtime.metrics import Metrics
from collab.settings import Settings
from collab.store import DocumentStore, UpdateLog

log = logging.getLogger(__name__)

#: The dashboard's activity bars: edits per 10 s over the last 2 minutes.
ACTIVITY_BUCKET = 10.0
ACTIVITY_BUCKETS = 12
#: Updates a peer may send before answering the server's sync step 1 that wait for that answer
#: (keystrokes typed as the network comes back, after edits made offline).
MAX_HELD_UPDATES = 32


@dataclass(eq=False, slots=True)
class Peer:
    user: User
    access: Access
    channel: Channel
    #: The credential the connection was opened with (collab.web.auth.Identity.credential).
    credential: str = ""
    #: Why the server closed this peer: from then on nothing it sends is accepted, even a frame
    #: already on its way when the close was decided.
    closed_by: CollabError | None = None
    #: A writer whose text was published while it was connected: it stays as a reader (the pair
    #: keeps seeing each other and hears what the teacher decides) and may write again if the
    #: text is sent back (collab.writing.agreement).
    demoted: bool = False
    #: The peer answered the server's sync step 1 (its sync step 2 brought what it had made
    #: while away). Until then an update that depends on those edits is held, not refused: the
    #: stock y-websocket client sends a keystroke as soon as the socket opens, before that answer.
    answered: bool = False
    #: Updates held until that answer: (update, the frame to relay), one frame's bytes at most.
    held: list[tuple[bytes, bytes | None]] = field(default_factory=list)
    #: How many more updates may come before that answer (each is tried on a copy of the
    #: document); a client that never answers is then treated as one that did: what it sends
    #: must integrate at once, as before.
    grace: int = MAX_HELD_UPDATES

    @property
    def can_write(self) -> bool:
        return self.access is Access.WRITE

    def close(self, error: CollabError) -> None:
        if self.closed_by is None:
            self.closed_by = error
        self.channel.close(error.close_code, error.detail)


class RoomOwner(Protocol):
    def room_empty(self, room: Room) -> None: ...

    def room_broken(self, room: Room) -> None: ...

    def committed(self, room: Room, seq: int, update: bytes) -> None:
        """An update this room accepted is durable with the log's number ``seq`` (the hub passes it
        on to the other workers holding the document)."""

    def presence_relayed(self, room: Room, peer: Peer, payload: bytes) -> None:
        """An awareness payload of one of this room's peers was relayed (the same)."""

    def peer_left(self, room: Room, peer: Peer) -> None:
        """A peer left: the other workers forget its presence."""


class RemoteConnection:
    """A connection held by another worker, as this room's awareness knows it (its claims of
    client ids and its bytes are counted like a local connection's)."""

    __slots__ = ("key", "person", "seen")

    def __init__(self, key: str, person: int, seen: float) -> None:
        self.key, self.person, self.seen = key, person, seen


class Room:
    def __init__(
        self,
        doc_id: str,
        loaded: LoadedDocument,
        *,
        settings: Settings,
        update_log: UpdateLog,
        documents: DocumentStore,
        metrics: Metrics,
        owner: RoomOwner,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.doc_id = doc_id
        self.doc = build_doc(loaded)
        self.text: Text = shared_text(self.doc)
        self.awareness = RoomAwareness(
            PresenceLimits(settings.awareness_state_bytes, settings.awareness_ids_per_connection)
        )
        self.peers: list[Peer] = []
        #: The watermark: every update the log numbered up to it is in this room's document (moved
        #: by the owner as updates are committed here or come from other workers); the updates
        #: accepted here and not yet numbered.
        self.last_seq = loaded.last_seq
        self.unnumbered = 0
        self.last_ticket = 0
        self.unloading = False
        self.broken = False
        #: The school of the document's class (None for a document outside any class): the
        #: administrators' live figures are counted per school.
        self.school_id: int | None = None
        self._settings = settings
        self._log = update_log
        self._documents = documents
        self._metrics = metrics
        self._owner = owner
        self._clock = clock
        self._size = len(self.doc.get_update())
        self._bytes_since_snapshot = 0
        self._updates_since_snapshot = len(loaded.tail)
        self._compaction: asyncio.Task[None] | None = None
        #: Told of every accepted edit ("edit") and arrival or departure ("presence"): the hub
        #: passes them on to the features' hooks (collab.realtime.hooks). O(1) each.
        self.observers: list[Callable[[Room, str], None]] = []
        #: The last accepted edit: when, by whom; and edits per ACTIVITY_BUCKET seconds, recent first.
        self.last_edit_at: float | None = None
        self.last_author_id: int | None = None
        self.activity: collections.deque[list[int]] = collections.deque(maxlen=ACTIVITY_BUCKETS)
        #: The awareness client id under which the server announces the room's state (the same
        #: in every room: the page knows it); the slice of the rooms it is re-announced with.
        self.server_client_id = SERVER_CLIENT_ID
        self.announce_slice = secrets.randbits(16)
        self._announced: str | None = None
        self._state: dict[str, object] = {}
        #: Connections other workers hold on this document (their presence), by key.
        self.remote: dict[str, RemoteConnection] = {}

    # -- peers ---------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        """Add a peer and start the sync: our state vector, then who is here."""
        self.peers.append(peer)
        self._notify("presence")
        peer.channel.send(protocol.encode_sync_step1(self.doc.get_state()))
        states = self.awareness.states_update()
        if states is not None:
            peer.channel.send(protocol.encode_awareness(states))

    def leave(self, peer: Peer) -> None:
        if peer not in self.peers:
            return
        self.peers.remove(peer)
        self._notify("presence")
        removal = self.awareness.remove(peer)
        if removal is not None:
            self._broadcast(protocol.encode_awareness(removal), exclude=peer)
        self._owner.peer_left(self, peer)
        if not self.peers:
            self._owner.room_empty(self)

    def close_writers(self, error: CollabError) -> None:
        for peer in list(self.peers):
            if peer.can_write:
                peer.close(error)

    def stop_writers(self) -> None:
        """The text is published: its writers stay connected, as readers."""
        for peer in self.peers:
            if peer.can_write:
                peer.access = Access.READ
                peer.demoted = True

    def close_all(self, error: CollabError) -> None:
        for peer in list(self.peers):
            peer.close(error)

    def close_peer(self, peer: Peer, error: CollabError) -> None:
        """Close one peer (its rights were revoked) and forget it at once."""
        peer.close(error)
        self.leave(peer)

    # -- incoming frames -----------------------------------------------------------------

    async def receive(self, peer: Peer, frame: bytes) -> None:
        """Handle one frame from ``peer``; a CollabError means: close that peer with its code."""
        if peer.closed_by is not None:
            raise peer.closed_by
        if self.broken:
            raise ServerError("document is being reloaded")
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.SyncUpdate):
            self._accept_update(peer, message.update, frame)
        elif isinstance(message, protocol.AwarenessUpdate):
            relay = self.awareness.apply(message.payload, peer, peer.user.id)
            if self.awareness.total_bytes > self._settings.awareness_room_bytes:
                self._evict_presence(peer)
            if relay is not None:
                out = frame if relay is message.payload else protocol.encode_awareness(relay)
                self._metrics.counts.awareness_relayed += self._broadcast(out, exclude=peer)
                self._owner.presence_relayed(self, peer, relay)
        elif isinstance(message, protocol.SyncStep1):
            await self._answer_sync_step1(peer, message.state)
        elif isinstance(message, protocol.SyncStep2):
            if message.update != protocol.EMPTY_UPDATE:
                self._accept_update(peer, message.update, None)
            self._end_grace(peer)
        else:  # QueryAwareness
            states = self.awareness.states_update()
            if states is not None:
                peer.channel.send(protocol.encode_awareness(states))

    def _evict_presence(self, sender: Peer) -> None:
        """The room holds more presence than allowed: close the connections of the person who holds
        the most (an honest tablet holds a few hundred bytes), heaviest first, until it fits."""
        limit = self._settings.awareness_room_bytes
        while self.awareness.total_bytes > limit:
            held: dict[int, int] = {}
            for p in self.peers:
                held[p.user.id] = held.get(p.user.id, 0) + self.awareness.held(p)
            heaviest = max(held, key=held.__getitem__)
            victim = max((p for p in self.peers if p.user.id == heaviest), key=self.awareness.held)
            error = PresenceFull(f"{self.doc_id} would hold more than {limit} bytes of presence")
            if victim is sender or self.awareness.held(victim) <= 0:
                raise error
            log.warning("closing %s on %s with %d: %s", victim.user.login, self.doc_id, error.close_code, error.detail)
            self._metrics.refuse(error.reason, self.school_id)
            self.close_peer(victim, error)

    async def _answer_sync_step1(self, peer: Peer, state: bytes) -> None:
        # Answer only with what is durable: a peer must never see what a crash could lose.
        await self._log.wait_durable(self.last_ticket)
        try:
            diff = self.doc.get_update(state)
        except FATAL:
            raise
        except BaseException as exc:
            raise BadRequest("invalid state vector") from exc
        peer.channel.send(protocol.encode_sync_step2(diff))

    def _end_grace(self, peer: Peer) -> None:
        """The peer answered the server's step 1 (or used up its grace): the updates it sent
        before are accepted now that their dependencies came, or refused as they would have been."""
        if peer.answered:
            return
        peer.answered = True
        held, peer.held = peer.held, []
        for update, relay in held:
            self._accept_update(peer, update, relay)

    def _would_wait(self, update: bytes) -> bool:
        """Whether ``update`` depends on changes this document does not have (tried on a copy, so
        that nothing waits "pending" in the room's document)."""
        trial = new_doc()
        trial.apply_update(self.doc.get_update())
        apply_checked(trial, update)
        return has_structs(get_update(update, trial.get_state()))

    def _accept_update(self, peer: Peer, update: bytes, frame: bytes | None) -> None:
        if not peer.can_write:
            if frame is None and not self._would_change(update):
                return  # a read-only peer's sync step 2 that brings nothing new
            if peer.demoted:  # typed just as the text was published: it no longer changes
                raise Locked(f"{self.doc_id} was published while {peer.user.login} wrote")
            raise ReadOnly(f"{peer.user.login} may only read {self.doc_id}")
        if self._size + len(update) > self._settings.max_doc_bytes:
            raise DocumentTooLarge(f"document {self.doc_id} would exceed {self._settings.max_doc_bytes} bytes")
        if not peer.answered:
            peer.grace -= 1  # every update before the answer costs a trial on a copy: a few only
            held_bytes = sum(len(held) for held, _ in peer.held) + len(update)
            if peer.grace < 0 or held_bytes > self._settings.max_frame_bytes:  # one frame's worth at most
                self._end_grace(peer)
            elif self._would_wait(update):
                peer.held.append((update, frame))
                return
        try:
            apply_checked(self.doc, update)
        except BadRequest:
            raise
        except BaseException:
            self._break()
            raise
        if has_structs(get_update(update, self.doc.get_state())):
            # Parts of the update wait for changes the server never had. Yrs keeps them
            # "pending" and leaves them out of every later sync, so newcomers and the
            # partner would diverge: refuse it, and rebuild the room from storage.
            error = BadRequest("update depends on changes this document does not have")
            peer.channel.close(error.close_code, error.detail)
            self._break()
            raise error
        self._size += len(update)
        self.unnumbered += 1
        self._bytes_since_snapshot += len(update)
        self._updates_since_snapshot += 1
        relay = frame if frame is not None else protocol.encode_update(update)
        now = self._clock()
        self.last_ticket = self._log.append(
            PendingUpdate(
                doc_id=self.doc_id,
                seq=0,  # the log numbers it when it commits
                data=update,
                author_id=peer.user.id,
                created_at=now,
                listener=self,
                context=(peer, relay),
            )
        )
        self._metrics.counts.updates_received += 1
        self.last_edit_at, self.last_author_id = now, peer.user.id
        bucket = int(now // ACTIVITY_BUCKET)
        if self.activity and self.activity[0][0] == bucket:
            self.activity[0][1] += 1
        else:
            self.activity.appendleft([bucket, 1])
        self._notify("edit")

    def _would_change(self, update: bytes) -> bool:
        probe: Doc[Any] = Doc()
        probe.apply_update(self.doc.get_update())
        before = probe.get_update()
        apply_checked(probe, update)
        return probe.get_update() != before

    # -- after the group commit ----------------------------------------------------------

    def on_durable(self, item: PendingUpdate) -> None:
        self.unnumbered -= 1
        origin, relay = cast(tuple[Peer, bytes], item.context)
        sent = self._broadcast(relay, exclude=origin)
        self._metrics.counts.updates_relayed += sent
        self._owner.committed(self, item.seq, item.data)
        self._maybe_compact()

    def _maybe_compact(self) -> None:
        if (
            self._updates_since_snapshot >= self._settings.compact_after_updates
            and self._compaction is None
            and not self.broken
        ):
            self._compaction = asyncio.get_running_loop().create_task(self._compact_in_background())

    # -- what other workers committed ---------------------------------------------------

    def apply_remote(self, seq: int, update: bytes) -> None:
        """An update another worker committed as ``seq`` (given in the log's order, each once;
        collab.realtime.cluster sees to it): applied, relayed to this room's peers, and heard by
        the features like an edit made here (without counting it in this worker's activity)."""
        if self.broken:
            return
        try:
            apply_checked(self.doc, update)
        except BaseException:
            self._break()
            raise
        if has_structs(get_update(update, self.doc.get_state())):
            log.error("update %s#%d from another worker misses what precedes it: reloading", self.doc_id, seq)
            self._break()
            return
        self._size += len(update)
        self._bytes_since_snapshot += len(update)
        self._updates_since_snapshot += 1
        self._metrics.counts.updates_relayed += self._broadcast(protocol.encode_update(update), exclude=None)
        self._notify("edit")
        self._maybe_compact()

    def apply_remote_presence(self, key: str, person: int, payload: bytes, now: float) -> None:
        """Awareness a connection of another worker announced (already checked by that worker:
        here it is counted and bounded like a local connection's, then relayed)."""
        connection = self.remote.get(key)
        if connection is None:
            connection = self.remote[key] = RemoteConnection(key, person, now)
        connection.seen = now
        try:
            relay = self.awareness.apply(payload, connection, connection.person)
        except CollabError as exc:  # a state this worker cannot take: the other worker closes its peer
            log.warning("presence from %s on %s refused here: %s", key, self.doc_id, exc.detail)
            return
        if relay is not None:
            self._metrics.counts.awareness_relayed += self._broadcast(protocol.encode_awareness(relay), exclude=None)

    def remote_left(self, key: str) -> None:
        """A connection of another worker closed (or that worker went away): its presence goes."""
        connection = self.remote.pop(key, None)
        if connection is None:
            return
        removal = self.awareness.remove(connection)
        if removal is not None:
            self._broadcast(protocol.encode_awareness(removal), exclude=None)

    def on_lost(self, item: PendingUpdate, exc: BaseException) -> None:
        # The update is in memory but not on disk: the room must not go on from this state.
        log.error("an update to %s could not be stored (%s): reloading the room", self.doc_id, exc)
        self._break()

    def _break(self) -> None:
        if self.broken:
            return
        self.broken = True
        self.close_all(ServerError("document reloading after a server error"))
        self._owner.room_broken(self)

    def _notify(self, event: str) -> None:
        for observer in self.observers:
            observer(self, event)

    def current_text(self) -> str:
        """The text as it stands in memory (every accepted edit, durable or about to be)."""
        return text_of(self.doc)

    def state_vector(self) -> bytes:
        """The version the room holds (a Yjs state vector)."""
        return self.doc.get_state()

    async def wait_durable(self) -> None:
        """Return once every edit accepted so far is committed."""
        await self._log.wait_durable(self.last_ticket)

    def announce(self, fields: dict[str, object]) -> None:
        """Tell every peer (and later newcomers) the room's state, as the server's own awareness:
        ``fields`` change some keys of it (agreement, teacher's message)."""
        self._state.update(fields)
        self._announced = json.dumps({"binome": self._state})
        self.reannounce()

    def reannounce(self) -> None:
        """Say the room's state again (clients forget an awareness state after 30 s of silence)."""
        if self._announced is not None:
            update = self.awareness.set_own(self._announced, floor=int(self._clock() * 1000))
            self._broadcast(protocol.encode_awareness(update), exclude=None)

    def _broadcast(self, frame: bytes, *, exclude: Peer | None) -> int:
        sent = 0
        for peer in self.peers:
            if peer is not exclude:
                peer.channel.send(frame)
                sent += 1
        return sent

    # -- snapshots -----------------------------------------------------------------------

    @property
    def needs_snapshot(self) -> bool:
        return self._updates_since_snapshot > 0

    async def compact(self) -> None:
        """Write a snapshot of what is durable now; the log is kept for replay.

        The snapshot holds every update numbered up to ``seq`` (the log's number of the last
        durable one when it is taken), and perhaps a few more not yet numbered: loading replays
        those again from the log, which changes nothing."""
        data = self.doc.get_update()
        seq, ticket = self.last_seq, self.last_ticket
        count, size = self._updates_since_snapshot, self._bytes_since_snapshot
        await self._log.wait_durable(ticket)
        if self.broken:
            return
        await self._documents.write_snapshot(self.doc_id, data, seq)
        self._updates_since_snapshot -= count
        self._bytes_since_snapshot -= size
        self._size = len(data) + self._bytes_since_snapshot
        self._metrics.compactions.inc()

    async def _compact_in_background(self) -> None:
        try:
            await self.compact()
        except Exception:
            log.exception("compaction of %s failed; the log still holds every update", self.doc_id)
        finally:
            self._compaction = None

    async def wait_compaction(self) -> None:
        task = self._compaction
        if task is not None:
            await asyncio.shield(task)
