"""Changes of rights reach open connections: revoked credentials, removed rights, re-validation.

Every document peer (WebSocket or HTTP fallback) and every connection a feature holds (a
dashboard, through its hooks) remembers the user and the
credential it was opened with (``session:…`` or ``token:…``, a hash). Revoking closes at once
what matches, with 4401 (credentials revoked) or 4403 (rights removed), and the room refuses
anything such a peer still sends. Changes are numbered, so that a connection whose checks ran
before a change and whose join comes after it is refused (or checked again) at its join. Every
``revalidate_seconds`` the open connections' credentials are checked against the database, so
that what another process revoked (``collab token --revoke``) or what expired is closed too.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collab.errors import CollabError, Forbidden, Locked, NotSignedIn, Overloaded
from collab.models import Access
from collab.realtime.room import Peer

if TYPE_CHECKING:
    from collab.realtime.hub import Hub

log = logging.getLogger(__name__)

#: Recent changes of rights kept for connections still between their checks and their join.
RECENT_CHANGES = 4096


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


class Revocations:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._numbers = itertools.count(1)
        self.last = 0
        self._changes: collections.deque[RightsChange] = collections.deque(maxlen=RECENT_CHANGES)
        self._revalidation: asyncio.Task[None] | None = None

    def _record(
        self, user_id: int, error: CollabError | None, credential: str | None = None, keep: str | None = None
    ) -> RightsChange:
        self.last = next(self._numbers)
        change = RightsChange(self.last, user_id, error, credential, keep)
        self._changes.append(change)
        return change

    def revoke(self, user_id: int, error: CollabError, credential: str | None, keep: str | None) -> int:
        change = self._record(user_id, error, credential, keep)
        hub, closed = self._hub, 0
        for room in list(hub.rooms.values()):
            for peer in list(room.peers):
                if peer.user.id == user_id and change.closes(peer.credential):
                    room.close_peer(peer, error)
                    closed += 1
        for hook in hub.hooks:  # the features' own connections (the dashboards)
            closed += hook.close_connections(user_id, change.closes, error)
        if closed:
            log.info("closed %d connection(s) of user %d: %s", closed, user_id, error.detail)
        return closed

    async def recheck(self, user_ids: Iterable[int]) -> int:
        wanted = set(user_ids)
        for user_id in wanted:
            self._record(user_id, None)
        closed = 0
        for room in list(self._hub.rooms.values()):
            for peer in list(room.peers):
                if peer.user.id in wanted and not await self._still_allowed(peer, room.doc_id):
                    room.close_peer(peer, Forbidden(f"{peer.user.login} may no longer open {room.doc_id}"))
                    closed += 1
        if closed:
            log.info("closed %d connection(s) whose rights were removed", closed)
        return closed

    async def _still_allowed(self, peer: Peer, doc_id: str) -> bool:
        try:
            access = await self._hub.authorize(peer.user, doc_id)
        except Locked:
            return peer.demoted  # a writer of a published text that reads it still may
        except CollabError:
            return False
        return access is Access.WRITE or not peer.can_write

    def changes_since(self, since: int, user_id: int, credential: str) -> tuple[CollabError | None, bool]:
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

    async def check_join(self, peer: Peer, doc_id: str, since: int) -> None:
        """Refuse a peer whose credential was revoked, or whose rights were removed, after its
        checks (``since``) and before its join."""
        while since < self.last:
            error, recheck = self.changes_since(since, peer.user.id, peer.credential)
            if error is not None:
                raise error
            since = self.last
            if recheck and not await self._still_allowed(peer, doc_id):
                raise Forbidden(f"{peer.user.login} may no longer open {doc_id}")

    # -- re-validation -------------------------------------------------------------------------

    def start(self) -> None:
        if self._hub.settings.revalidate_seconds > 0:
            self._revalidation = asyncio.get_running_loop().create_task(self._revalidate_forever())

    async def close(self) -> None:
        if self._revalidation is not None:
            self._revalidation.cancel()
            await asyncio.gather(self._revalidation, return_exceptions=True)

    async def _revalidate_forever(self) -> None:
        while True:
            await asyncio.sleep(self._hub.settings.revalidate_seconds)
            try:
                await self.revalidate()
            except Exception:
                log.exception("re-validating open connections failed (tried again later)")

    async def revalidate(self) -> int:
        """Close the open connections whose credential is no longer valid in the database
        (revoked by another process, expired). Returns how many were closed."""
        hub = self._hub
        opened: dict[str, int] = {}
        for room in hub.rooms.values():
            for peer in room.peers:
                opened[peer.credential] = peer.user.id
        for hook in hub.hooks:
            opened.update(hook.credentials())
        opened.pop("", None)
        if not opened:
            return 0
        valid = await hub.store.sessions.still_valid(opened) | await hub.store.accounts.still_valid(opened)
        closed = 0
        for credential, user_id in opened.items():
            if credential not in valid:
                closed += self.revoke(user_id, NotSignedIn("credentials revoked or expired"), credential, None)
        return closed
