"""« On est d'accord »: each pupil of a pair agrees with one precise version of their text (a
Yjs state vector); any edit afterwards clears every agreement; when all members of the pair agree
on the version the server holds, the text becomes a blog post and the document closes to writing.

The room's agreement state reaches the pupils' screens as the server's own awareness entry
(``{"binome": {...}}``), which the stock y-websocket client passes on untouched.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collab.errors import CollabError, Forbidden, InvalidInput
from collab.models import Access, DocStatus, Post, User
from collab.policy import document_access
from collab.realtime.protocol import decode_state_vector
from collab.realtime.room import Room

if TYPE_CHECKING:
    from collab.realtime.hub import Hub

log = logging.getLogger(__name__)

#: y-protocols forgets a remote awareness state after 30 s without news: say it again sooner.
REANNOUNCE_SECONDS = 15.0
#: ...spread over that period, a slice of the rooms each tick, so that 2,000 rooms never
#: re-announce in the same instant (that burst showed as a 150 ms p99 in the load benchmark).
REANNOUNCE_SLICES = 15


class NotInSync(CollabError):
    """The version a pupil agreed with is not the one the server holds (an edit crossed it)."""

    status = 409
    close_code = 4409
    reason = "not_in_sync"
    public_message = "Le texte vient de changer : relisez-le, puis appuyez de nouveau sur « On est d'accord »."


class NotConnected(CollabError):
    status = 409
    close_code = 4409
    reason = "not_connected"
    public_message = "Ton texte n'est pas connecté : attends que le voyant soit vert, puis réessaie."


@dataclass(frozen=True, slots=True)
class Outcome:
    agreed: tuple[int, ...]  # user ids agreeing with the current version
    members: tuple[int, ...]
    post: Post | None  # set once the text is published (or submitted to the teacher)


def same_version(a: bytes, b: bytes) -> bool:
    return decode_state_vector(a) == decode_state_vector(b)


class AgreementDesk:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    # -- the room's side -----------------------------------------------------------------

    async def attach(self, room: Room) -> None:
        """A room was loaded: recall the agreements still valid for its version, say them."""
        store = self._hub.store
        current = room.doc.get_state()
        saved = await store.blog.agreements(room.doc_id)
        room.agreed = {user for user, sv in saved.items() if same_version(sv, current)}
        room.members = await self._pair_members(room.doc_id)
        room.observers.append(self._on_event)
        post = await store.blog.post_of_document(room.doc_id)
        fields = self._state(room, post)
        sent_back = await store.blog.sent_back(room.doc_id) if post is None else None
        if sent_back is not None:  # a page opened after a send-back still reads why, and the word
            fields["returned"] = {"at": sent_back[0], "comment": sent_back[1]}
        room.announce(fields)

    def _on_event(self, room: Room, event: str) -> None:
        """Any accepted edit clears every agreement (in memory now, on disk just after)."""
        if event != "edit" or not room.agreed:
            return
        room.agreed.clear()
        room.announce(self._state(room, None))
        self._hub.spawn(self._forget_on_disk(room, time.time()))

    async def _forget_on_disk(self, room: Room, since: float) -> None:
        async with room.agreement_lock:
            await self._hub.store.blog.clear_agreements(room.doc_id, before=since)

    def reopened(self, doc_id: str, sent_back: dict[str, object] | None = None) -> None:
        """The document is open again (unlocked, or its post sent back to the pair): a room still
        loaded gives its writers back their pen and tells its clients that nothing is published
        any more; ``sent_back`` (when, the teacher's comment) says why."""
        room = self._hub.rooms.get(doc_id)
        if room is not None:
            self._hub.spawn(self._reopen(room, sent_back))

    async def _reopen(self, room: Room, sent_back: dict[str, object] | None) -> None:
        for peer in list(room.peers):
            if not peer.demoted or peer.closed_by is not None:
                continue
            try:  # rights are checked again: the pupil may write only if the text is open to them now
                access = await self._hub.authorize(peer.user, room.doc_id)
            except CollabError:
                continue  # still a reader; what it types is refused with the reason
            if access is Access.WRITE:
                peer.access, peer.demoted = Access.WRITE, False
        fields = self._state(room, None)
        if sent_back is not None:
            fields["returned"] = sent_back
        room.announce(fields)

    async def post_changed(self, doc_id: str) -> None:
        """The teacher published (or withdrew) the post: a room still loaded says so at once."""
        self._hub.feeds.changed(doc_id)
        room = self._hub.rooms.get(doc_id)
        if room is not None:
            room.announce(self._state(room, await self._hub.store.blog.post_of_document(doc_id)))

    def reannounce(self, tick: int) -> None:
        """Re-announce the state of one slice of the rooms (``tick`` counts the calls)."""
        for room in list(self._hub.rooms.values()):
            if room.announce_slice % REANNOUNCE_SLICES == tick % REANNOUNCE_SLICES and room.peers and not room.broken:
                room.reannounce()

    def _state(self, room: Room, post: Post | None) -> dict[str, object]:
        """``published``: the pair agreed and the text is a post, ``submitted`` while it waits for
        the teacher; ``returned`` (set by a send-back, cleared by the next post) is kept otherwise."""
        state: dict[str, object] = {
            "agreed": sorted(room.agreed),
            "members": list(room.members),
            "published": post is not None,
            "post": post.id if post is not None else None,
            "submitted": post is not None and not post.published,
        }
        if post is not None:
            state["returned"] = None
        return state

    # -- the pupil's side ----------------------------------------------------------------

    async def agree(self, user: User, doc_id: str, version: bytes) -> Outcome:
        """Record ``user``'s agreement with ``version``; publish when the whole pair agrees."""
        hub = self._hub
        target = await hub.store.documents.get_target(user.id, doc_id)
        principal = await hub.store.accounts.load_principal(user)
        if document_access(principal, target, doc_id, time.time()) is not Access.WRITE:
            raise Forbidden(f"{user.login} may not agree on {doc_id}")
        assert target is not None
        if target.pair_id is None:
            raise InvalidInput("Ce texte n'est pas celui d'un binôme : il n'y a rien à publier.")
        try:
            decode_state_vector(version)
        except CollabError as exc:
            raise InvalidInput("Version illisible.") from exc
        room = hub.rooms.get(doc_id)
        if room is None or room.broken or not any(p.user.id == user.id for p in room.peers):
            raise NotConnected(f"{user.login} is not connected to {doc_id}")
        async with room.agreement_lock:
            await hub.update_log.wait_durable(room.last_ticket)
            current = room.doc.get_state()
            if not same_version(version, current):
                raise NotInSync(f"{user.login} agreed with an old version of {doc_id}")
            room.agreed.add(user.id)
            await hub.store.blog.agree(doc_id, user.id, current)
            members = room.members
            post = None
            if members and all(m in room.agreed for m in members):  # every agreement is for `current`
                post = await self._publish(room, target.class_id, target.pair_id, target.document.title)
            room.announce(self._state(room, post))
            if post is not None:  # the publication wrote the document's status
                hub.status_changed(doc_id, DocStatus.PUBLISHED)
            else:
                hub.feeds.changed(doc_id)
            return Outcome(tuple(sorted(room.agreed)), members, post)

    async def _publish(self, room: Room, class_id: int | None, pair_id: int, title: str) -> Post:
        store = self._hub.store
        assert class_id is not None
        post = await store.blog.publish(
            doc_id=room.doc_id,
            class_id=class_id,
            pair_id=pair_id,
            task_id=await store.tasks.task_of_document(room.doc_id),
            title=title,
            body=str(room.text),
            state_vector=room.doc.get_state(),
            moderated=await store.blog.is_moderated(class_id),
        )
        room.agreed.clear()
        log.info("%s published as post %d (%s)", room.doc_id, post.id, post.status)
        return post

    async def state_of(self, doc_id: str) -> tuple[DocStatus, tuple[int, ...], tuple[int, ...], Post | None]:
        """For the page: the document's status, who agrees now, the pair, and its post if any."""
        store = self._hub.store
        status = await store.documents.status_of(doc_id)
        room = self._hub.rooms.get(doc_id)
        agreed = tuple(sorted(room.agreed)) if room is not None else ()
        members = room.members if room is not None else await self._pair_members(doc_id)
        return status, agreed, members, await store.blog.post_of_document(doc_id)

    def member_erased(self, doc_ids: list[str], user_id: int) -> None:
        """A member's data was erased: the open rooms of these texts (kept by the partners) no
        more wait for their agreement."""
        for doc_id in doc_ids:
            room = self._hub.rooms.get(doc_id)
            if room is not None:
                room.members = tuple(m for m in room.members if m != user_id)
                room.agreed.discard(user_id)

    async def _pair_members(self, doc_id: str) -> tuple[int, ...]:
        store = self._hub.store
        pair_id = await store.documents.pair_of(doc_id)
        pair = await store.pairs.get_pair(pair_id) if pair_id is not None else None
        return tuple(sorted(m.id for m in pair.members)) if pair is not None else ()
