"""The one seam between the hub and the features (in the spirit of Hocuspocus extensions).

The hub knows no feature. The composition root (collab.app) gives it a list of
:class:`RoomHooks`; the hub binds each to :class:`Rooms` (what a feature may see and do of the
loaded rooms) and then calls them, in order, as rooms load, change and unload. A feature sees a
room through :class:`RoomView` only. Adding a feature means writing a RoomHooks subclass and
listing it in collab.app: the hub is never edited.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Protocol

from collab.errors import CollabError
from collab.models import Access, DocStatus, User
from collab.realtime.room import Peer

#: What a room says of itself: "edit" (an accepted edit) or "presence" (a peer came or left).
RoomEvent = str


class RoomView(Protocol):
    """What a feature sees of one loaded room."""

    @property
    def doc_id(self) -> str: ...

    @property
    def school_id(self) -> int | None: ...

    @property
    def broken(self) -> bool: ...

    @property
    def peers(self) -> Sequence[Peer]: ...

    @property
    def activity(self) -> Iterable[list[int]]: ...

    @property
    def last_edit_at(self) -> float | None: ...

    @property
    def last_author_id(self) -> int | None: ...

    @property
    def last_seq(self) -> int: ...

    def current_text(self) -> str: ...

    def state_vector(self) -> bytes: ...

    async def wait_durable(self) -> None: ...

    def announce(self, fields: dict[str, object]) -> None: ...


class Rooms(Protocol):
    """What a feature sees of the hub: the loaded rooms, and what it may ask of them."""

    def room(self, doc_id: str) -> RoomView | None: ...

    def loaded_documents(self) -> list[str]: ...

    @property
    def clustered(self) -> bool:
        """Several workers share the documents (a room may be loaded on another one too)."""
        ...

    async def current_text(self, doc_id: str) -> str: ...

    async def authorize(self, user: User, doc_id: str) -> Access: ...

    def spawn(self, work: Coroutine[Any, Any, None]) -> None: ...

    def status_changed(self, doc_id: str, status: DocStatus, *, sent_back: dict[str, object] | None = None) -> None: ...

    def facts_changed(self, doc_id: str) -> None: ...


class RoomHooks:
    """A feature's side of the seam. Every method is optional: the defaults do nothing."""

    def bind(self, rooms: Rooms) -> None:
        """Called once, when the hub is built: the rooms this feature will be told about."""

    async def loaded(self, room: RoomView) -> None:
        """A room was loaded (before any peer joins it). An error fails the load."""

    def changed(self, room: RoomView, event: RoomEvent) -> None:
        """An accepted edit ("edit") or a peer arriving or leaving ("presence"): keep it O(1)."""

    def unloaded(self, room: RoomView) -> None:
        """The room left the hub: unloaded when idle, or dropped (``room.broken``: its memory is
        not to be trusted; the next join loads it again)."""

    def status(self, doc_id: str, status: DocStatus, sent_back: dict[str, object] | None) -> None:
        """The document's status was written (locked, published, reopened; ``sent_back``: the
        teacher's reason when a post was sent back). The hub has already updated its peers' rights."""

    async def added(self, doc_id: str) -> None:
        """A document was created while the server runs (a pair's next draft)."""

    def facts(self, doc_id: str) -> None:
        """Something shown of the document changed outside its text (an agreement, a post's
        moderation): read it again."""

    def close_connections(self, user_id: int, closes: Callable[[str], bool], error: CollabError) -> int:
        """Close this user's own connections (not document peers) opened with a credential for
        which ``closes`` is true, with ``error``. Returns how many were closed."""
        return 0

    def credentials(self) -> Iterable[tuple[str, int]]:
        """The (credential, user id) of this feature's open connections, re-validated by the hub."""
        return ()
