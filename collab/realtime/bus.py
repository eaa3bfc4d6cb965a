"""Messages between workers: what one worker tells the others about documents and events.

With several workers (``collab serve --redis …``), a worker that holds a room publishes each update
once it is committed, with the sequence number the database gave it; the other workers holding
that room apply it and relay it to their peers. Presence frames and a room's events travel on the
same per-document channel, in the order they were published. Small JSON events (a class feed's
change, a revoked credential) travel on topics. The database stays the truth: a message can be
lost (the connection to Redis dropped), and a worker learns it from a gap in sequence numbers
(collab.realtime.sequencing) or from :meth:`Bus.on_reconnect`, then reads the log.

:class:`LocalBus` is the embedded default (one process: there is nobody to tell, and it costs
nothing); :class:`collab.realtime.redis_bus.RedisBus` is the one for several workers.

A message is one frame, the same on every channel::

    kind (1 byte: b"U" update, b"P" presence, b"E" event)
    length of the origin (1 byte), origin (the publishing worker's id, ASCII)
    for an update: its sequence number (8 bytes, big-endian, >= 1), then the update's bytes
    for presence: the awareness frame's bytes
    for an event: a JSON object (UTF-8)

Every worker has its own origin id and ignores the messages it published itself.
"""

from __future__ import annotations

import abc
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from collab.settings import new_worker_id

UPDATE = b"U"[0]
PRESENCE = b"P"[0]
EVENT = b"E"[0]
_SEQ = struct.Struct(">Q")
MAX_ORIGIN_BYTES = 255


class DocumentListener(Protocol):
    """What a worker holding a document is told by the others (a room, or what stands for it while
    the room loads). Called on the bus's reader task: do little, never block; start a task for I/O."""

    def remote_update(self, seq: int, update: bytes, origin: str) -> None: ...

    def remote_presence(self, frame: bytes, origin: str) -> None: ...

    def remote_event(self, payload: dict[str, Any], origin: str) -> None: ...


#: A topic's handler: the event's JSON object.
EventHandler = Callable[[dict[str, Any]], None]


@dataclass(slots=True)
class BusCounts:
    """Plain counters, for /metrics."""

    #: Messages written to Redis (their PUBLISH answered).
    published: int = 0
    #: Messages from other workers handed to a listener or a topic's handlers.
    received: int = 0
    #: Messages not published: Redis unreachable, or too many waiting (the log repairs the gap).
    dropped: int = 0
    #: Messages received that are not a frame of this module (logged, dropped).
    malformed: int = 0
    #: Times the bus got Redis back after losing it (each followed by the on_reconnect callbacks).
    reconnections: int = 0
    #: Exceptions raised by a listener, a handler or a callback (logged; the bus goes on).
    handler_errors: int = 0


@dataclass(frozen=True, slots=True)
class Frame:
    kind: int
    origin: str
    #: The update's sequence number (0 for presence and events).
    seq: int
    body: bytes


def encode_frame(kind: int, origin: bytes, body: bytes, seq: int = 0) -> bytes:
    if not 0 < len(origin) <= MAX_ORIGIN_BYTES:
        raise ValueError(f"an origin is 1 to {MAX_ORIGIN_BYTES} bytes")
    head = bytes((kind, len(origin))) + origin
    if kind == UPDATE:
        if seq < 1:
            raise ValueError("an update's sequence number is at least 1")
        return head + _SEQ.pack(seq) + body
    return head + body


def encode_event(origin: bytes, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return encode_frame(EVENT, origin, body)


def decode_frame(data: bytes) -> Frame:
    """The frame in ``data``; ValueError says why it is not one."""
    if len(data) < 2:
        raise ValueError("shorter than a frame's header")
    kind, length = data[0], data[1]
    if kind not in (UPDATE, PRESENCE, EVENT):
        raise ValueError(f"unknown kind {kind:#04x}")
    start = 2 + length
    if length == 0 or len(data) < start:
        raise ValueError("origin missing or cut")
    try:
        origin = data[2:start].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError("origin is not ASCII") from exc
    if kind != UPDATE:
        return Frame(kind, origin, 0, data[start:])
    if len(data) < start + _SEQ.size:
        raise ValueError("sequence number cut")
    (seq,) = _SEQ.unpack_from(data, start)
    if seq < 1:
        raise ValueError("sequence number 0")
    return Frame(kind, origin, seq, data[start + _SEQ.size :])


def decode_event(body: bytes) -> dict[str, Any]:
    """An event's JSON object; ValueError if it is not one."""
    payload = json.loads(body)  # JSONDecodeError and UnicodeDecodeError are ValueErrors
    if not isinstance(payload, dict):
        raise ValueError("an event is a JSON object")
    return payload


class Bus(abc.ABC):
    """Messages between workers. Publishing never blocks and never raises into the caller: a
    message that cannot go is dropped and counted (the database is the truth)."""

    origin: str
    counts: BusCounts

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect (waiting a little for it); a bus that could not connect goes on trying."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Disconnect; nothing is delivered afterwards."""

    @property
    @abc.abstractmethod
    def healthy(self) -> bool:
        """Whether messages go and come now (for /healthz)."""

    @abc.abstractmethod
    def publish_update(self, doc_id: str, seq: int, update: bytes) -> None:
        """A committed update of ``doc_id`` with the log's number ``seq`` (call it after the commit)."""

    @abc.abstractmethod
    def publish_presence(self, doc_id: str, frame: bytes) -> None:
        """An awareness frame of ``doc_id``'s peers on this worker."""

    @abc.abstractmethod
    def publish_document_event(self, doc_id: str, payload: dict[str, Any]) -> None:
        """An event about ``doc_id`` (agreement, sent back, teacher's message, reloaded, published),
        ordered with its updates, for the workers holding it."""

    @abc.abstractmethod
    def publish_event(self, topic: str, payload: dict[str, Any]) -> None:
        """A small JSON event for the workers listening to ``topic`` (e.g. ``class:12``)."""

    @abc.abstractmethod
    async def subscribe_document(self, doc_id: str, listener: DocumentListener) -> bool:
        """Send ``doc_id``'s messages from other workers to ``listener`` (replacing any previous one).

        Returns True once Redis confirmed the subscription: whatever is published afterwards
        reaches ``listener``, so a room subscribes, then loads from the database, and misses
        nothing. Returns False at once while Redis is unreachable (or after a few seconds without
        its answer): the subscription is made when it comes back, and :meth:`on_reconnect`'s
        callbacks are called then; until then the room works from the database alone."""

    @abc.abstractmethod
    def unsubscribe_document(self, doc_id: str, listener: DocumentListener) -> None:
        """Stop telling ``listener`` (nothing happens if another one replaced it meanwhile)."""

    @abc.abstractmethod
    async def subscribe_events(self, topic: str, handler: EventHandler) -> bool:
        """Add ``handler`` to ``topic``'s; returns as :meth:`subscribe_document` does."""

    @abc.abstractmethod
    def unsubscribe_events(self, topic: str, handler: EventHandler) -> None:
        """Remove ``handler`` from ``topic``'s."""

    @abc.abstractmethod
    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` each time the bus has Redis back after losing it (or after starting
        without it), once every subscription is confirmed again: what was published meanwhile is
        lost, so the caller reads the database (repair every open room)."""


class LocalBus(Bus):
    """One process: there is no other worker to tell or to hear from."""

    def __init__(self, origin: str | None = None) -> None:
        self.origin = origin or new_worker_id()
        self.counts = BusCounts()

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    @property
    def healthy(self) -> bool:
        return True

    def publish_update(self, doc_id: str, seq: int, update: bytes) -> None:
        pass

    def publish_presence(self, doc_id: str, frame: bytes) -> None:
        pass

    def publish_document_event(self, doc_id: str, payload: dict[str, Any]) -> None:
        pass

    def publish_event(self, topic: str, payload: dict[str, Any]) -> None:
        pass

    async def subscribe_document(self, doc_id: str, listener: DocumentListener) -> bool:
        return True

    def unsubscribe_document(self, doc_id: str, listener: DocumentListener) -> None:
        pass

    async def subscribe_events(self, topic: str, handler: EventHandler) -> bool:
        return True

    def unsubscribe_events(self, topic: str, handler: EventHandler) -> None:
        pass

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        pass
