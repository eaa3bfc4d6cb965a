"""The generator's WebSocket connections: y-websocket clients that record, never compute.

A :class:`Link` answers the server's sync step 1 with an empty sync step 2 (its document
state is precomputed and sent as updates later). Each received frame is handled as soon
as its bytes arrive (:class:`LinkConnection`): an update frame is looked up in the
:class:`Ledger` of frames sent and not yet seen. The server relays the exact bytes it
received, so the lookup is one dictionary pop.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field
from typing import Any, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import BINARY, Frame, Opcode
from websockets.protocol import Event

from collab.realtime.protocol import SyncStep2, decode_message, encode_sync_step1, encode_sync_step2

SYNC_STEP1_EMPTY = encode_sync_step1(b"\x00")
SYNC_STEP2_EMPTY = encode_sync_step2(b"\x00\x00")
NORMAL_CLOSE = (1000, 1001)


@dataclass
class Ledger:
    """Frames in flight and what happened to them, shared by every link of one run."""

    #: frame -> send time (perf_counter), until the partner receives it
    partner_pending: dict[bytes, float] = field(default_factory=dict)
    #: frame -> send time, until the document's observer receives it
    observer_pending: dict[bytes, float] = field(default_factory=dict)
    partner_latency: list[float] = field(default_factory=list)
    observer_latency: list[float] = field(default_factory=list)
    #: only frames sent inside [window_start, window_end) count in the latency figures
    window_start: float = float("inf")
    window_end: float = float("inf")
    updates_received: int = 0
    updates_received_in_window: int = 0
    awareness_received: int = 0
    frames_received: int = 0
    connect_failures: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected_closes: collections.Counter[int] = field(default_factory=collections.Counter)
    #: frames not written because their connection had already closed (its close is an error already)
    skipped_sends: int = 0
    sending_done: bool = False
    drained: asyncio.Event = field(default_factory=asyncio.Event)

    def check_drained(self) -> None:
        if self.sending_done and not self.partner_pending and not self.observer_pending:
            self.drained.set()


def client_wire(payload: bytes) -> bytes:
    """A complete masked client frame for ``payload``, as websockets itself would write it.

    The load phase writes these precomputed bytes straight to the transport: framing and
    masking happen before the clock starts instead of once per send on the generator's core.
    """
    return Frame(Opcode.BINARY, payload).serialize(mask=True)


class LinkConnection(ClientConnection):
    """A websockets client connection that hands each binary frame straight to its :class:`Link`.

    Frames are processed in ``data_received``, without the message queue and the task
    switch of ``recv()``: the receive time is taken as the bytes arrive, and the generator
    spends its core on the server's traffic rather than on its own bookkeeping.
    """

    link: Link | None = None

    def process_event(self, event: Event) -> None:
        link = self.link
        if link is not None and self.response is not None and isinstance(event, Frame) and event.opcode is BINARY:
            link.on_frame(bytes(event.data))
            return
        super().process_event(event)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.link is not None:
            self.link.on_lost()


class Link:
    """One connection: a typist, a listener or an observer."""

    def __init__(self, ledger: Ledger, *, observer: bool) -> None:
        self.ledger = ledger
        self.observer = observer
        self.ws: LinkConnection | None = None
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.closing = False
        self.dead = False
        #: the typist's and listener's update frames also go to the document's observer
        self.has_observer = False
        self._pending = ledger.observer_pending if observer else ledger.partner_pending
        self._latency = ledger.observer_latency if observer else ledger.partner_latency
        self._replies: set[asyncio.Task[None]] = set()

    def connection_factory(self, *args: Any, **kwargs: Any) -> LinkConnection:
        connection = LinkConnection(*args, **kwargs)
        connection.link = self
        self.ws = connection
        return connection

    def on_frame(self, frame: bytes) -> None:
        now = time.perf_counter()
        ledger = self.ledger
        ledger.frames_received += 1
        if len(frame) < 2:
            return
        if frame[0] == 0:
            kind = frame[1]
            if kind == 2:  # sync update: a relayed keystroke
                ledger.updates_received += 1
                sent = self._pending.pop(frame, None)
                if sent is not None:
                    if ledger.window_start <= sent < ledger.window_end:
                        self._latency.append(now - sent)
                        ledger.updates_received_in_window += 1
                    if not self._pending:
                        ledger.check_drained()
            elif kind == 0:  # sync step 1: our state is empty until we send updates
                self.send_soon(SYNC_STEP2_EMPTY)
            elif kind == 1:
                self.synced.set()
        elif frame[0] == 1:
            ledger.awareness_received += 1

    def send_soon(self, frame: bytes) -> None:
        assert self.ws is not None
        task = asyncio.get_running_loop().create_task(self.ws.send(frame))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    def on_lost(self) -> None:
        self.dead = True
        code = self.ws.close_code if self.ws is not None else None
        if not self.closing and code not in NORMAL_CLOSE:
            self.ledger.unexpected_closes[code if code is not None else -1] += 1
        self.closed.set()

    def write_wire(self, wire: bytes) -> None:
        """Write one precomputed frame (see :func:`client_wire`); never blocks."""
        assert self.ws is not None
        self.ws.transport.write(wire)

    async def send(self, frame: bytes) -> None:
        assert self.ws is not None
        await self.ws.send(frame)

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        await self.closed.wait()


async def open_link(
    url: str,
    ledger: Ledger,
    gate: asyncio.Semaphore,
    *,
    observer: bool = False,
    within: float = 60.0,
) -> Link | None:
    """Connect, ask for the document (sync step 1) and wait for it; None (and counted) on failure."""
    link = Link(ledger, observer=observer)
    async with gate:
        try:
            async with asyncio.timeout(within):
                ws = await connect(
                    url,
                    compression=None,
                    max_size=None,
                    ping_interval=None,
                    close_timeout=5,
                    open_timeout=within,
                    create_connection=cast(type[ClientConnection], link.connection_factory),
                )
                await ws.send(SYNC_STEP1_EMPTY)
                synced = asyncio.ensure_future(link.synced.wait())
                closed = asyncio.ensure_future(link.closed.wait())
                await asyncio.wait({synced, closed}, return_when=asyncio.FIRST_COMPLETED)
                synced.cancel()
                closed.cancel()
                if link.synced.is_set():
                    return link
                ledger.connect_failures[f"closed before sync ({ws.close_code})"] += 1
                return None
        except TimeoutError:
            ledger.connect_failures["timeout"] += 1
        except (OSError, ConnectionClosed) as exc:
            ledger.connect_failures[type(exc).__name__] += 1
        except Exception as exc:  # websockets' handshake errors (InvalidStatus, InvalidHandshake…)
            ledger.connect_failures[type(exc).__name__] += 1
    if link.ws is not None:
        link.closing = True
        link.ws.transport.abort()
    return None


async def close_links(links: list[Link | None], concurrency: int = 200) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def close_one(link: Link) -> None:
        async with gate:
            try:
                await link.close()
            except Exception:
                link.dead = True

    await asyncio.gather(*(close_one(link) for link in links if link is not None))


async def fetch_text(url: str, within: float = 60.0) -> tuple[str, float, int]:
    """Connect as the stock client does (sync step 1 at once) and read the document.

    Returns the text, the seconds from connect to sync step 2 and the size of that update.
    """
    from pycrdt import Doc, Text

    started = time.perf_counter()
    async with asyncio.timeout(within):
        async with connect(url, compression=None, max_size=None, ping_interval=None) as ws:
            await ws.send(SYNC_STEP1_EMPTY)
            async for frame in ws:
                assert isinstance(frame, bytes)
                if frame[:2] == b"\x00\x00":
                    await ws.send(SYNC_STEP2_EMPTY)
                elif frame[:2] == b"\x00\x01":
                    elapsed = time.perf_counter() - started
                    update = decode_message(frame)
                    assert isinstance(update, SyncStep2)
                    doc: Doc[Any] = Doc()
                    text = doc.get("text", type=Text)
                    doc.apply_update(update.update)
                    return str(text), elapsed, len(update.update)
    raise ConnectionError(f"closed before sync step 2 ({ws.close_code})")
