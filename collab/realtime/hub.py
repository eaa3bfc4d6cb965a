"""The hub: document id → Room. Loads rooms on first join, unloads them when idle.

Two pupils opening a new room at the same instant share one loading task; a room is
removed from the hub only once its queued writes are committed and its snapshot is
written, and a peer that arrives meanwhile simply keeps the room alive.

The hub knows no feature: the composition root gives it a list of hooks
(collab.realtime.hooks.RoomHooks), told as rooms load, change and leave, as a document's
status changes, and asked to close their own connections when rights are revoked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Iterable, Sequence
from typing import Any

from collab.errors import CollabError, Locked, NotFound, ServerError, TooManyConnections
from collab.models import Access, DocStatus, Document, Role, User
from collab.policy import document_access
from collab.realtime.bus import Bus
from collab.realtime.channel import Channel
from collab.realtime.cluster import Cluster, error_of, revocation_event, status_event
from collab.realtime.crdt import stored_text
from collab.realtime.hooks import RoomHooks
from collab.realtime.memory import release_free_memory
from collab.realtime.metrics import Metrics, SchoolLoad
from collab.realtime.ratelimit import Pacer
from collab.realtime.revocation import Revocations
from collab.realtime.room import Peer, Room
from collab.settings import Settings
from collab.store import Store, UpdateLog

log = logging.getLogger(__name__)

#: Seconds without any unload before freed memory is handed back to the OS.
_MEMORY_RELEASE_DELAY = 2.0
#: y-protocols forgets a remote awareness state after 30 s without news: a room's announced
#: state (Room.announce) is said again sooner...
REANNOUNCE_SECONDS = 15.0
#: ...spread over that period, a slice of the rooms each tick, so that 2,000 rooms never
#: re-announce in the same instant (that burst showed as a 150 ms p99 in the load benchmark).
REANNOUNCE_SLICES = 15


class Hub:
    """The loaded rooms. Features hear of them through ``hooks`` (collab.realtime.hooks), called
    in the order given; the hub imports none of them."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        metrics: Metrics,
        hooks: Sequence[RoomHooks] = (),
        *,
        bus: Bus | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.update_log = UpdateLog(
            store.db, window_seconds=settings.group_commit_ms / 1000, on_commit=metrics.observe_commit
        )
        self.rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Future[Room]] = {}
        self._unload_timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._memory_release: asyncio.TimerHandle | None = None
        self.hooks = tuple(hooks)
        self._reannounce: asyncio.TimerHandle | None = None
        self.revocations = Revocations(self)
        #: The other workers (None: this process is the only one).
        self.cluster = Cluster(self, bus, store.documents) if bus is not None else None
        metrics.track_schools(self.school_loads)
        for hook in self.hooks:
            hook.bind(self)

    async def start(self) -> None:
        if self.cluster is not None:
            await self.cluster.start()
        self.update_log.start()
        self._schedule_reannounce()
        self.revocations.start()

    def _schedule_reannounce(self, tick: int = 0) -> None:
        def run() -> None:
            self._reannounce_slice(tick)
            self._schedule_reannounce(tick + 1)

        self._reannounce = asyncio.get_running_loop().call_later(REANNOUNCE_SECONDS / REANNOUNCE_SLICES, run)

    def _reannounce_slice(self, tick: int) -> None:
        """Re-announce the state of one slice of the rooms (``tick`` counts the calls)."""
        for room in list(self.rooms.values()):
            if room.announce_slice % REANNOUNCE_SLICES == tick % REANNOUNCE_SLICES and room.peers and not room.broken:
                room.reannounce()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run background work that close() waits for."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Flush every queued write and snapshot every loaded room."""
        if self._memory_release is not None:
            self._memory_release.cancel()
        if self._reannounce is not None:
            self._reannounce.cancel()
        await self.revocations.close()
        for timer in self._unload_timers.values():
            timer.cancel()
        self._unload_timers.clear()
        await self.update_log.flush()
        for room in list(self.rooms.values()):
            await room.wait_compaction()
            if room.needs_snapshot and not room.broken:
                await room.compact()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.update_log.close()
        self.rooms.clear()
        if self.cluster is not None:
            await self.cluster.close()

    def pacer(self) -> Pacer:
        """The pacing budget of one new connection (a socket or an HTTP sync session)."""
        s = self.settings
        return Pacer(s.rate_per_second, s.rate_burst, s.pace_abuse_seconds, counts=self.metrics.counts)

    # -- access --------------------------------------------------------------------------

    async def authorize(self, user: User, doc_id: str) -> Access:
        target = await self.store.documents.get_target(user.id, doc_id)
        principal = await self.store.accounts.load_principal(user)
        return document_access(principal, target, doc_id, time.time())

    async def documents_for(self, user: User) -> list[tuple[Document, Access]]:
        """The documents this user may open now, with the access they would get."""
        principal = await self.store.accounts.load_principal(user)
        now = time.time()
        out = []
        for target in await self.store.documents.list_targets_for_user(user.id):
            try:
                out.append((target.document, document_access(principal, target, target.document.id, now)))
            except CollabError:
                continue  # e.g. a writer's document that is locked: it cannot be opened now
        return out

    async def forget_documents(self, doc_ids: list[str]) -> None:
        """Documents about to be deleted: close their peers (4404) and drop their rooms, on every
        worker."""
        if self.cluster is not None:
            self.cluster.tell("forget", docs=list(doc_ids))
        await self._forget_here(doc_ids)

    async def _forget_here(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:
            room = self.rooms.pop(doc_id, None)
            timer = self._unload_timers.pop(doc_id, None)
            if timer is not None:
                timer.cancel()
            if room is not None:
                room.broken = True  # nothing more is accepted, nothing is snapshotted
                room.close_all(NotFound(f"{doc_id} was deleted"))
                self._unloaded(room)
        self.metrics.rooms_open.set(len(self.rooms))
        await self.update_log.flush()

    async def set_status(self, doc_id: str, status: DocStatus) -> None:
        """Lock, publish or reopen a document; writers connected to a closed one get 4409."""
        await self.store.documents.set_status(doc_id, status)
        self.status_changed(doc_id, status)

    def status_changed(self, doc_id: str, status: DocStatus, *, sent_back: dict[str, object] | None = None) -> None:
        """A document's status was written (here, or with a publication or a send-back in one
        transaction): dashboards, writers and a loaded room hear of it. A published text keeps
        its writers connected as readers (publishing is the end they worked for, not an error);
        a locked one closes them (4409). ``sent_back``: why the teacher reopened it, for the pair.
        Every worker does the same to its rooms."""
        if self.cluster is not None:
            self.cluster.tell("status", **status_event(doc_id, status, sent_back))
        self._status_here(doc_id, status, sent_back)

    def _status_here(self, doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> None:
        room = self.rooms.get(doc_id)
        if room is not None and status is DocStatus.PUBLISHED:
            room.stop_writers()
        elif room is not None and status is not DocStatus.OPEN:
            room.close_writers(Locked(f"{doc_id} is {status.value}"))
        for hook in self.hooks:
            hook.status(doc_id, status, sent_back)

    async def document_added(self, doc_id: str) -> None:
        """A document was created (a pair's next draft): every hook hears of it, on every worker."""
        if self.cluster is not None:
            self.cluster.tell("added", doc=doc_id)
        await self._added_here(doc_id)

    async def _added_here(self, doc_id: str) -> None:
        for hook in self.hooks:
            await hook.added(doc_id)

    def facts_changed(self, doc_id: str) -> None:
        """Something the features show of a document changed outside its text (an agreement, a
        post published or withdrawn by the teacher): every hook hears of it, on every worker."""
        if self.cluster is not None:
            self.cluster.tell("facts", doc=doc_id)
        self._facts_here(doc_id)

    def _facts_here(self, doc_id: str) -> None:
        for hook in self.hooks:
            hook.facts(doc_id)

    # -- revoking access ----------------------------------------------------------------

    def revocation_mark(self) -> int:
        """Take this before checking who is asking; give it to :meth:`join`, which then refuses
        a connection whose credential was revoked (or re-checks rights changed) meanwhile."""
        return self.revocations.last

    def revoke_access(
        self, user_id: int, error: CollabError, *, credential: str | None = None, keep: str | None = None
    ) -> int:
        """Close at once what this account has open: document sockets, HTTP-fallback sessions and
        dashboards with ``error``'s close code: NotSignedIn (4401) when credentials are revoked,
        Forbidden (4403) when rights are removed. Only those opened with ``credential`` when it is
        given; all but those opened with ``keep`` when that is given (a password changed from this
        session). Nothing they send afterwards is stored. Returns how many were closed.

        Call it right after the store revoked the sessions or tokens (sign-out, sign-out
        everywhere, new pictures, a changed password, an erased account). Every worker closes
        its own (this count is this worker's)."""
        if self.cluster is not None:
            self.cluster.tell("revoke", **revocation_event(user_id, error, credential, keep))
        return self.revocations.revoke(user_id, error, credential, keep)

    async def recheck_access(self, user_ids: Iterable[int]) -> int:
        """These users' rights changed (a pupil removed from a class, a class archived, pairs
        arranged): check their open document connections again now; those that may no longer
        write what they write, or read what they read, are closed with 4403 (on every worker).
        Returns how many this worker closed."""
        wanted = sorted(set(user_ids))
        if self.cluster is not None:
            self.cluster.tell("recheck", users=wanted)
        return await self.revocations.recheck(wanted)

    async def say(self, doc_id: str, fields: dict[str, object]) -> bool:
        """Announce ``fields`` in the document's room (a teacher's message) wherever it is loaded with
        a writer connected, on this worker or another; whether any such room took it."""
        said = self._say_here(doc_id, fields)
        if self.cluster is None:
            return said
        if said:
            self.cluster.tell("say", doc=doc_id, fields=fields)
            return True
        return await self.cluster.ask("say", doc=doc_id, fields=fields) is not None

    def _say_here(self, doc_id: str, fields: dict[str, object]) -> bool:
        room = self.rooms.get(doc_id)
        if room is None or room.broken or not any(p.can_write for p in room.peers):
            return False
        room.announce(fields)
        return True

    def apply_event(self, event: dict[str, Any]) -> None:
        """What another worker's hub did (collab.realtime.cluster): do the same here."""
        try:
            kind = event["kind"]
            if kind == "status":
                self._status_here(str(event["doc"]), DocStatus(event["status"]), event.get("sent_back"))
            elif kind == "facts":
                self._facts_here(str(event["doc"]))
            elif kind == "added":
                self.spawn(self._added_here(str(event["doc"])))
            elif kind == "forget":
                self.spawn(self._forget_here([str(d) for d in event["docs"]]))
            elif kind == "revoke":
                error = error_of(str(event["error"]), str(event["detail"]))
                self.revocations.revoke(int(event["user"]), error, event.get("credential"), event.get("keep"))
            elif kind == "recheck":
                self.spawn(self._recheck_here([int(u) for u in event["users"]]))
            elif kind == "say":
                if self._say_here(str(event["doc"]), dict(event["fields"])) and self.cluster is not None:
                    self.cluster.answer(event, {"said": True})
            else:
                log.warning("unknown event from another worker: %r", kind)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("malformed event from another worker (%s): %r", exc, event)

    async def _recheck_here(self, user_ids: list[int]) -> None:
        await self.revocations.recheck(user_ids)

    def changes_since(self, since: int, user_id: int, credential: str) -> tuple[CollabError | None, bool]:
        """Since the mark ``since``: the error closing a connection of this user opened with this
        credential (None if it was not revoked), and whether the user's rights are to be checked
        again."""
        return self.revocations.changes_since(since, user_id, credential)

    # -- joining and leaving -------------------------------------------------------------

    async def join(
        self,
        doc_id: str,
        user: User,
        access: Access,
        channel: Channel,
        *,
        credential: str = "",
        since: int | None = None,
    ) -> tuple[Room, Peer]:
        """Add a peer to the document's room (loaded if needed). ``since`` is the
        :meth:`revocation_mark` taken before the caller checked ``user``'s credential and rights."""
        peer = Peer(user=user, access=access, channel=channel, credential=credential)
        while True:
            room = self.rooms.get(doc_id)
            if room is None:
                room = await self._load(doc_id)
            if since is not None:
                await self.revocations.check_join(peer, doc_id, since)
                since = self.revocations.last
            if self.rooms.get(doc_id) is room and not room.broken:
                limit = self.settings.connections_per_document
                if sum(1 for p in room.peers if p.user.id == user.id) >= limit:
                    raise TooManyConnections(f"{user.login} already has {limit} connections on {doc_id}")
                timer = self._unload_timers.pop(doc_id, None)
                if timer is not None:
                    timer.cancel()
                room.join(peer)
                return room, peer

    async def _load(self, doc_id: str) -> Room:
        pending = self._loading.get(doc_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._loading[doc_id] = future
        started = time.perf_counter()
        try:
            # A room dropped after an error may still have writes in the queue.
            await self.update_log.flush()
            if self.cluster is not None:  # hear the other workers' updates before reading the log
                await self.cluster.opening(doc_id)
            loaded = await self.store.documents.load(doc_id)
            school_id = await self.store.documents.school_of(doc_id)
            room = Room(
                doc_id,
                loaded,
                settings=self.settings,
                update_log=self.update_log,
                documents=self.store.documents,
                metrics=self.metrics,
                owner=self,
            )
            room.school_id = school_id
            for hook in self.hooks:
                await hook.loaded(room)
            room.observers.extend(hook.changed for hook in self.hooks)
        except BaseException as exc:
            if self.cluster is not None:
                self.cluster.closed(doc_id)
            error = exc if isinstance(exc, CollabError) else ServerError(f"cannot load {doc_id}: {exc}")
            future.set_exception(error)
            future.exception()  # mark retrieved: other waiters re-raise it themselves
            raise error from exc
        finally:
            del self._loading[doc_id]
        self.rooms[doc_id] = room
        if self.cluster is not None:
            self.cluster.opened(room)
        self.metrics.rooms_open.set(len(self.rooms))
        self.metrics.rooms_loaded.inc()
        self.metrics.room_load_seconds.observe(time.perf_counter() - started)
        future.set_result(room)
        return room

    def room_empty(self, room: Room) -> None:
        if room.broken or room.doc_id in self._unload_timers:
            return
        loop = asyncio.get_running_loop()
        self._unload_timers[room.doc_id] = loop.call_later(self.settings.room_grace_seconds, self._start_unload, room)

    def committed(self, room: Room, seq: int, update: bytes) -> None:
        if self.cluster is not None:  # the cluster moves the room's watermark (numbers may interleave)
            self.cluster.committed(room, seq, update)
        else:  # the only writer: numbers come in order
            room.last_seq = max(room.last_seq, seq)

    def presence_relayed(self, room: Room, peer: Peer, payload: bytes) -> None:
        if self.cluster is not None:
            self.cluster.presence_relayed(room, peer, payload)

    def peer_left(self, room: Room, peer: Peer) -> None:
        if self.cluster is not None:
            self.cluster.peer_left(room, peer)

    def room_broken(self, room: Room) -> None:
        """Forget a room whose memory can no longer be trusted; the next join reloads it."""
        if self.rooms.get(room.doc_id) is room:
            del self.rooms[room.doc_id]
            self.metrics.rooms_open.set(len(self.rooms))
            self._unloaded(room)
        timer = self._unload_timers.pop(room.doc_id, None)
        if timer is not None:
            timer.cancel()

    def _start_unload(self, room: Room) -> None:
        self._unload_timers.pop(room.doc_id, None)
        self.spawn(self._unload(room))

    async def _unload(self, room: Room) -> None:
        if room.peers or room.unloading or self.rooms.get(room.doc_id) is not room:
            return
        room.unloading = True
        try:
            # Never drop queued writes: wait until this room's updates are committed.
            await self.update_log.wait_durable(room.last_ticket)
            await room.wait_compaction()
            if room.needs_snapshot and not room.peers and not room.broken:
                await room.compact()
        except Exception:
            log.exception("unloading %s: snapshot failed (the log keeps every update)", room.doc_id)
        finally:
            room.unloading = False
        if room.peers:
            return  # someone came back meanwhile: keep the room
        if self.rooms.get(room.doc_id) is room:
            del self.rooms[room.doc_id]
            self.metrics.rooms_open.set(len(self.rooms))
            self._unloaded(room)
            self._schedule_memory_release()

    def _unloaded(self, room: Room) -> None:
        if self.cluster is not None:
            self.cluster.closed(room.doc_id)
        room.observers.clear()
        for hook in self.hooks:
            hook.unloaded(room)

    def _schedule_memory_release(self) -> None:
        """After a wave of unloads (end of a lesson), give the freed memory back, once."""
        if self._memory_release is not None:
            self._memory_release.cancel()
        self._memory_release = asyncio.get_running_loop().call_later(_MEMORY_RELEASE_DELAY, self._release_memory)

    def _release_memory(self) -> None:
        self._memory_release = None
        release_free_memory()

    # -- what features read --------------------------------------------------------------

    def room(self, doc_id: str) -> Room | None:
        """The document's room, if it is loaded."""
        return self.rooms.get(doc_id)

    @property
    def clustered(self) -> bool:
        return self.cluster is not None

    def loaded_documents(self) -> list[str]:
        """The documents whose room is loaded on this worker."""
        return list(self.rooms)

    async def current_text(self, doc_id: str) -> str:
        """The document's current text: its room's when it is loaded, else what is stored."""
        room = self.rooms.get(doc_id)
        if room is not None:
            return room.current_text()
        return stored_text(await self.store.documents.load(doc_id))

    # -- introspection -------------------------------------------------------------------

    def connection_count(self) -> int:
        return sum(len(room.peers) for room in self.rooms.values())

    def school_loads(self) -> list[SchoolLoad]:
        """Per school: its loaded documents, their connections, and the pupils connected to write
        (counted once however many tablets or texts they have open)."""
        rooms: dict[int, int] = {}
        connections: dict[int, int] = {}
        writers: dict[int, set[int]] = {}
        for room in self.rooms.values():
            school = room.school_id
            if school is None:
                continue
            rooms[school] = rooms.get(school, 0) + 1
            connections[school] = connections.get(school, 0) + len(room.peers)
            pupils = writers.setdefault(school, set())
            pupils.update(p.user.id for p in room.peers if p.can_write and p.user.role is Role.PUPIL)
        return [SchoolLoad(s, rooms[s], connections[s], len(writers[s])) for s in sorted(rooms)]
