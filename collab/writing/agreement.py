"""« On est d'accord »: each pupil of a pair agrees with one precise version of their text (a
Yjs state vector); any edit afterwards clears every agreement; when all members of the pair agree
on the version the server holds, the text becomes a blog post and the document closes to writing.

The room's agreement state reaches the pupils' screens as the server's own awareness entry
(``{"binome": {...}}``), which the stock y-websocket client passes on untouched. The desk hears
of rooms through the hub's hooks (collab.realtime.hooks) and keeps its state per document.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from collab.errors import CollabError, Forbidden, InvalidInput, NotConnected, NotInSync
from collab.models import Access, DocStatus, Post, User
from collab.policy import document_access
from collab.realtime.crdt import build_doc, text_of
from collab.realtime.hooks import RoomEvent, RoomHooks, Rooms, RoomView
from collab.realtime.protocol import decode_state_vector
from collab.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    agreed: tuple[int, ...]  # user ids agreeing with the current version
    members: tuple[int, ...]
    post: Post | None  # set once the text is published (or submitted to the teacher)


@dataclass(eq=False)
class Agreement:
    """One loaded document's agreements: the pair's members, those who agree with the room's
    current version, and the lock that orders agreeing and forgetting agreements."""

    room: RoomView
    members: tuple[int, ...] = ()
    agreed: set[int] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def same_version(a: bytes, b: bytes) -> bool:
    return decode_state_vector(a) == decode_state_vector(b)


class AgreementDesk(RoomHooks):
    def __init__(self, store: Store) -> None:
        self._store = store
        self._by_doc: dict[str, Agreement] = {}

    def bind(self, rooms: Rooms) -> None:
        self._rooms = rooms

    def _loaded(self, doc_id: str) -> Agreement | None:
        """The agreements of the document's room, if it is loaded."""
        room = self._rooms.room(doc_id)
        agreement = self._by_doc.get(doc_id)
        return agreement if agreement is not None and agreement.room is room else None

    def agreed_now(self, doc_id: str) -> list[int]:
        """Who agrees with the loaded room's current version (nobody when it is not loaded)."""
        agreement = self._loaded(doc_id)
        return sorted(agreement.agreed) if agreement is not None else []

    # -- the room's side (hooks) ---------------------------------------------------------

    async def loaded(self, room: RoomView) -> None:
        """A room was loaded: recall the agreements still valid for its version, say them."""
        store = self._store
        current = room.state_vector()
        saved = await store.blog.agreements(room.doc_id)
        agreement = Agreement(room, await self._pair_members(room.doc_id))
        agreement.agreed = {user for user, sv in saved.items() if same_version(sv, current)}
        post = await store.blog.post_of_document(room.doc_id)
        fields = self._state(agreement, post)
        sent_back = await store.blog.sent_back(room.doc_id) if post is None else None
        if sent_back is not None:  # a page opened after a send-back still reads why, and the word
            fields["returned"] = {"at": sent_back[0], "comment": sent_back[1]}
        self._by_doc[room.doc_id] = agreement
        room.announce(fields)

    def unloaded(self, room: RoomView) -> None:
        agreement = self._by_doc.get(room.doc_id)
        if agreement is not None and agreement.room is room:
            del self._by_doc[room.doc_id]

    def changed(self, room: RoomView, event: RoomEvent) -> None:
        """Any accepted edit clears every agreement (in memory now, on disk just after)."""
        if event != "edit":
            return
        agreement = self._by_doc.get(room.doc_id)
        if agreement is None or agreement.room is not room or not agreement.agreed:
            return
        agreement.agreed.clear()
        room.announce(self._state(agreement, None))
        self._rooms.spawn(self._forget_on_disk(agreement, time.time()))

    async def _forget_on_disk(self, agreement: Agreement, since: float) -> None:
        async with agreement.lock:
            await self._store.blog.clear_agreements(agreement.room.doc_id, before=since)

    def status(self, doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> None:
        """The document is open again (unlocked, or its post sent back to the pair): a room still
        loaded gives its writers back their pen and tells its clients that nothing is published
        any more; ``sent_back`` (when, the teacher's comment) says why."""
        agreement = self._loaded(doc_id)
        if agreement is None:
            return
        if status is DocStatus.OPEN:
            self._rooms.spawn(self._reopen(agreement, sent_back))
        else:  # published or locked, perhaps by another worker: say it
            self._rooms.spawn(self._refresh(agreement))

    async def _reopen(self, agreement: Agreement, sent_back: dict[str, object] | None) -> None:
        room = agreement.room
        for peer in list(room.peers):
            if not peer.demoted or peer.closed_by is not None:
                continue
            try:  # rights are checked again: the pupil may write only if the text is open to them now
                access = await self._rooms.authorize(peer.user, room.doc_id)
            except CollabError:
                continue  # still a reader; what it types is refused with the reason
            if access is Access.WRITE:
                peer.access, peer.demoted = Access.WRITE, False
        fields = self._state(agreement, None)
        if sent_back is not None:
            fields["returned"] = sent_back
        room.announce(fields)

    def facts(self, doc_id: str) -> None:
        """Something changed on another worker (an agreement, a publication): a room loaded here
        reads its pair's agreements and post again and says them."""
        agreement = self._loaded(doc_id)
        if agreement is not None:
            self._rooms.spawn(self._refresh(agreement))

    async def _refresh(self, agreement: Agreement) -> None:
        store, room = self._store, agreement.room
        async with agreement.lock:
            saved = await store.blog.agreements(room.doc_id)
            agreement.members = await self._pair_members(room.doc_id)
            current = room.state_vector()
            agreement.agreed = {user for user, sv in saved.items() if same_version(sv, current)}
            post = await store.blog.post_of_document(room.doc_id)
        if self._loaded(room.doc_id) is agreement:
            room.announce(self._state(agreement, post))

    async def post_changed(self, doc_id: str) -> None:
        """The teacher published (or withdrew) the post: a room still loaded says so at once."""
        self._rooms.facts_changed(doc_id)
        agreement = self._loaded(doc_id)
        if agreement is not None:
            agreement.room.announce(self._state(agreement, await self._store.blog.post_of_document(doc_id)))

    def _state(self, agreement: Agreement, post: Post | None) -> dict[str, object]:
        """``published``: the pair agreed and the text is a post, ``submitted`` while it waits for
        the teacher; ``returned`` (set by a send-back, cleared by the next post) is kept otherwise."""
        state: dict[str, object] = {
            "agreed": sorted(agreement.agreed),
            "members": list(agreement.members),
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
        store = self._store
        target = await store.documents.get_target(user.id, doc_id)
        principal = await store.accounts.load_principal(user)
        if document_access(principal, target, doc_id, time.time()) is not Access.WRITE:
            raise Forbidden(f"{user.login} may not agree on {doc_id}")
        assert target is not None
        if target.pair_id is None:
            raise InvalidInput("Ce texte n'est pas celui d'un binôme : il n'y a rien à publier.")
        try:
            decode_state_vector(version)
        except CollabError as exc:
            raise InvalidInput("Version illisible.") from exc
        agreement = self._loaded(doc_id)
        room = agreement.room if agreement is not None and not agreement.room.broken else None
        if not self._rooms.clustered and (room is None or not any(p.user.id == user.id for p in room.peers)):
            raise NotConnected(f"{user.login} is not connected to {doc_id}")
        # With several workers the pupil's socket may be on another one: the version is then read
        # from the log, which holds every update any tablet was ever shown.
        async with agreement.lock if agreement is not None else contextlib.nullcontext():
            current, text, upto = await self._version(room, doc_id)
            if not same_version(version, current):
                raise NotInSync(f"{user.login} agreed with an old version of {doc_id}")
            saved = await store.blog.agree(doc_id, user.id, current, upto_seq=upto)
            if saved is None:  # another worker's tablets changed the text meanwhile
                raise NotInSync(f"{user.login} agreed with a version of {doc_id} that is no longer the latest")
            agreed = {u for u, sv in saved.items() if same_version(sv, current)}
            members = agreement.members if agreement is not None else await self._pair_members(doc_id)
            post = None
            if members and all(m in agreed for m in members):  # every agreement is for `current`
                assert target.class_id is not None
                post = await store.blog.publish(
                    doc_id=doc_id,
                    class_id=target.class_id,
                    pair_id=target.pair_id,
                    task_id=await store.tasks.task_of_document(doc_id),
                    title=target.document.title,
                    body=text,
                    state_vector=current,
                    moderated=await store.blog.is_moderated(target.class_id),
                )
                log.info("%s published as post %d (%s)", doc_id, post.id, post.status)
                agreed = set()
            if agreement is not None:
                agreement.agreed = agreed
                agreement.room.announce(self._state(agreement, post))
            if post is not None:  # the publication wrote the document's status
                self._rooms.status_changed(doc_id, DocStatus.PUBLISHED)
            else:
                self._rooms.facts_changed(doc_id)
            return Outcome(tuple(sorted(agreed)), members, post)

    async def _version(self, room: RoomView | None, doc_id: str) -> tuple[bytes, str, int]:
        """The document's version now, its text, and the log's number it is made of up to: the
        room's (once what it accepted is durable), or the log's when the room is on another worker."""
        if room is not None:
            await room.wait_durable()
            return room.state_vector(), room.current_text(), room.last_seq
        loaded = await self._store.documents.load(doc_id)
        doc = build_doc(loaded)
        return doc.get_state(), text_of(doc), loaded.last_seq

    async def state_of(self, doc_id: str) -> tuple[DocStatus, tuple[int, ...], tuple[int, ...], Post | None]:
        """For the page: the document's status, who agrees now, the pair, and its post if any."""
        store = self._store
        status = await store.documents.status_of(doc_id)
        agreement = self._loaded(doc_id)
        agreed = tuple(sorted(agreement.agreed)) if agreement is not None else ()
        members = agreement.members if agreement is not None else await self._pair_members(doc_id)
        return status, agreed, members, await store.blog.post_of_document(doc_id)

    def member_erased(self, doc_ids: list[str], user_id: int) -> None:
        """A member's data was erased: the open rooms of these texts (kept by the partners) no
        more wait for their agreement."""
        for doc_id in doc_ids:
            agreement = self._loaded(doc_id)
            if agreement is not None:
                agreement.members = tuple(m for m in agreement.members if m != user_id)
                agreement.agreed.discard(user_id)
            self._rooms.facts_changed(doc_id)  # and on the other workers

    async def _pair_members(self, doc_id: str) -> tuple[int, ...]:
        store = self._store
        pair_id = await store.documents.pair_of(doc_id)
        pair = await store.pairs.get_pair(pair_id) if pair_id is not None else None
        return tuple(sorted(m.id for m in pair.members)) if pair is not None else ()
