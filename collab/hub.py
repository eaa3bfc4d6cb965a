"""The hub: document id → Room. Loads rooms on first join, unloads them when idle.

Two pupils opening a new room at the same instant share one loading task; a room is
removed from the hub only once its queued writes are committed and its snapshot is
written, and a peer that arrives meanwhile simply keeps the room alive.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from collab.agreement import REANNOUNCE_SECONDS, REANNOUNCE_SLICES, AgreementDesk
from collab.errors import CollabError, Forbidden, Locked, NotFound, Overloaded, ServerError
from collab.feed import ClassFeeds
from collab.memory import release_free_memory
from collab.metrics import Metrics
from collab.models import Access, DocStatus, Document, User
from collab.policy import document_access
from collab.ratelimit import RateLimiter
from collab.room import Channel, Peer, Room
from collab.settings import Settings
from collab.store import Store, UpdateLog

log = logging.getLogger(__name__)

#: Seconds without any unload before freed memory is handed back to the OS.
_MEMORY_RELEASE_DELAY = 2.0
#: Recent changes of rights kept for connections still between their checks and their join.
_RECENT_CHANGES = 4096


@dataclass(frozen=True, slots=True)
class RightsChange:
    """One change of rights, numbered: a revoked credential (``error`` says how open connections
    are closed) or, with ``error`` None, a user whose rights must be checked again."""

    seq: int
    user_id: int
    error: CollabError | None
    credential: str | None = None  # only connections opened with this one
    keep: str | None = None  # all but those opened with this one

    def closes(self, credential: str) -> bool:
        """Does this revocation close a connection opened with ``credential``?"""
        return (self.credential is None or self.credential == credential) and self.keep != credential


class Hub:
    def __init__(self, store: Store, settings: Settings, metrics: Metrics) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.update_log = UpdateLog(
            store.db, window_seconds=settings.group_commit_ms / 1000, on_commit=metrics.observe_commit
        )
        self.limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
        self.rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Future[Room]] = {}
        self._unload_timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._memory_release: asyncio.TimerHandle | None = None
        self.agreements = AgreementDesk(self)
        self.feeds = ClassFeeds(self)
        self._reannounce: asyncio.TimerHandle | None = None
        self._change_numbers = itertools.count(1)
        self._last_change = 0
        self._changes: collections.deque[RightsChange] = collections.deque(maxlen=_RECENT_CHANGES)

    async def start(self) -> None:
        self.update_log.start()
        self._schedule_reannounce()

    def _schedule_reannounce(self, tick: int = 0) -> None:
        def run() -> None:
            self.agreements.reannounce(tick)
            self._schedule_reannounce(tick + 1)

        self._reannounce = asyncio.get_running_loop().call_later(REANNOUNCE_SECONDS / REANNOUNCE_SLICES, run)

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
        """Documents about to be deleted: close their peers (4404) and drop their rooms."""
        for doc_id in doc_ids:
            room = self.rooms.pop(doc_id, None)
            timer = self._unload_timers.pop(doc_id, None)
            if timer is not None:
                timer.cancel()
            if room is not None:
                room.broken = True  # nothing more is accepted, nothing is snapshotted
                room.close_all(NotFound(f"{doc_id} was deleted"))
        self.metrics.rooms_open.set(len(self.rooms))
        await self.update_log.flush()

    async def set_status(self, doc_id: str, status: DocStatus) -> None:
        """Lock, publish or reopen a document; writers connected to a closed one get 4409."""
        await self.store.documents.set_status(doc_id, status)
        self.status_changed(doc_id, status)

    def status_changed(self, doc_id: str, status: DocStatus) -> None:
        """A document's status was written (here, or with a publication or a send-back in one
        transaction): dashboards, writers and a loaded room hear of it."""
        self.feeds.changed(doc_id, status)
        room = self.rooms.get(doc_id)
        if room is not None and status is not DocStatus.OPEN:
            room.close_writers(Locked(f"{doc_id} is {status.value}"))
        if status is DocStatus.OPEN:
            self.agreements.reopened(doc_id)

    # -- revoking access ----------------------------------------------------------------

    def revocation_mark(self) -> int:
        """Take this before checking who is asking; give it to :meth:`join`, which then refuses
        a connection whose credential was revoked (or re-checks rights changed) meanwhile."""
        return self._last_change

    def _record(
        self, user_id: int, error: CollabError | None, credential: str | None = None, keep: str | None = None
    ) -> RightsChange:
        self._last_change = next(self._change_numbers)
        change = RightsChange(self._last_change, user_id, error, credential, keep)
        self._changes.append(change)
        return change

    def revoke_access(
        self, user_id: int, error: CollabError, *, credential: str | None = None, keep: str | None = None
    ) -> int:
        """Close at once what this account has open: document sockets, HTTP-fallback sessions and
        dashboards with ``error``'s close code: NotSignedIn (4401) when credentials are revoked,
        Forbidden (4403) when rights are removed. Only those opened with ``credential`` when it is
        given; all but those opened with ``keep`` when that is given (a password changed from this
        session). Nothing they send afterwards is stored. Returns how many were closed.

        Call it right after the store revoked the sessions or tokens (sign-out, sign-out
        everywhere, new pictures, a changed password, an erased account)."""
        change = self._record(user_id, error, credential, keep)
        closed = 0
        for room in list(self.rooms.values()):
            for peer in list(room.peers):
                if peer.user.id == user_id and change.closes(peer.credential):
                    room.close_peer(peer, error)
                    closed += 1
        closed += self.feeds.close_for(user_id, change.closes, error)
        if closed:
            log.info("closed %d connection(s) of user %d: %s", closed, user_id, error.detail)
        return closed

    async def recheck_access(self, user_ids: Iterable[int]) -> int:
        """These users' rights changed (a pupil removed from a class, a class archived, pairs
        arranged): check their open document connections again now; those that may no longer
        write what they write, or read what they read, are closed with 4403. Returns how many."""
        wanted = set(user_ids)
        for user_id in wanted:
            self._record(user_id, None)
        closed = 0
        for room in list(self.rooms.values()):
            for peer in list(room.peers):
                if peer.user.id in wanted and not await self._still_allowed(peer, room.doc_id):
                    room.close_peer(peer, Forbidden(f"{peer.user.login} may no longer open {room.doc_id}"))
                    closed += 1
        if closed:
            log.info("closed %d connection(s) whose rights were removed", closed)
        return closed

    async def _still_allowed(self, peer: Peer, doc_id: str) -> bool:
        try:
            access = await self.authorize(peer.user, doc_id)
        except CollabError:
            return False
        return access is Access.WRITE or not peer.can_write

    def changes_since(self, since: int, user_id: int, credential: str) -> tuple[CollabError | None, bool]:
        """Since the mark ``since``: the error closing a connection of this user opened with this
        credential (None if it was not revoked), and whether the user's rights are to be checked
        again."""
        if self._changes and self._changes[0].seq > since + 1:
            return Overloaded("too many changes of rights meanwhile: connect again"), False
        recheck = False
        for change in self._changes:
            if change.seq <= since or change.user_id != user_id:
                continue
            if change.error is None:
                recheck = True
            elif change.closes(credential):
                return change.error, False
        return None, recheck

    async def _check_changes(self, peer: Peer, doc_id: str, since: int) -> None:
        """Refuse a peer whose credential was revoked, or whose rights were removed, after its
        checks (``since``) and before its join."""
        while since < self._last_change:
            error, recheck = self.changes_since(since, peer.user.id, peer.credential)
            if error is not None:
                raise error
            since = self._last_change
            if recheck and not await self._still_allowed(peer, doc_id):
                raise Forbidden(f"{peer.user.login} may no longer open {doc_id}")

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
                await self._check_changes(peer, doc_id, since)
                since = self._last_change
            if self.rooms.get(doc_id) is room and not room.broken:
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
            loaded = await self.store.documents.load(doc_id)
            room = Room(
                doc_id,
                loaded,
                settings=self.settings,
                update_log=self.update_log,
                documents=self.store.documents,
                limiter=self.limiter,
                metrics=self.metrics,
                owner=self,
            )
            await self.agreements.attach(room)
            self.feeds.attach(room)
        except BaseException as exc:
            error = exc if isinstance(exc, CollabError) else ServerError(f"cannot load {doc_id}: {exc}")
            future.set_exception(error)
            future.exception()  # mark retrieved: other waiters re-raise it themselves
            raise error from exc
        finally:
            del self._loading[doc_id]
        self.rooms[doc_id] = room
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

    def room_broken(self, room: Room) -> None:
        """Forget a room whose memory can no longer be trusted; the next join reloads it."""
        if self.rooms.get(room.doc_id) is room:
            del self.rooms[room.doc_id]
            self.metrics.rooms_open.set(len(self.rooms))
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
            self.feeds.detach(room)
            del self.rooms[room.doc_id]
            self.metrics.rooms_open.set(len(self.rooms))
            self._schedule_memory_release()

    def _schedule_memory_release(self) -> None:
        """After a wave of unloads (end of a lesson), give the freed memory back, once."""
        if self._memory_release is not None:
            self._memory_release.cancel()
        self._memory_release = asyncio.get_running_loop().call_later(_MEMORY_RELEASE_DELAY, self._release_memory)

    def _release_memory(self) -> None:
        self._memory_release = None
        release_free_memory()

    # -- introspection -------------------------------------------------------------------

    def connection_count(self) -> int:
        return sum(len(room.peers) for room in self.rooms.values())
