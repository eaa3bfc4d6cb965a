"""A small y-websocket client on pycrdt and websockets, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import anyio
from pycrdt import Doc, Text, TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from collab.realtime import protocol


class ServerDoc:
    """A pycrdt document kept in sync with the server: local edits are queued for sending, what the
    server sends is applied (and not sent back)."""

    def __init__(self, doc: Doc[Any] | None = None) -> None:
        self.doc: Doc[Any] = doc if doc is not None else Doc()
        self.text = self.doc.get("text", type=Text)
        self.synced = asyncio.Event()
        self.changed = asyncio.Event()
        self._outgoing: list[bytes] = []
        self._remote = False
        self.doc.observe(self._on_local_change)

    def _on_local_change(self, event: TransactionEvent) -> None:
        if not self._remote:
            self._outgoing.append(event.update)

    def value(self) -> str:
        return str(self.text)

    def from_server(self, message: protocol.Message) -> bytes | None:
        """Apply a sync message of the server; the frame to answer with (for its sync step 1)."""
        if isinstance(message, protocol.SyncStep1):
            return protocol.encode_sync_step2(self.doc.get_update(message.state))
        if isinstance(message, (protocol.SyncStep2, protocol.SyncUpdate)):
            self._remote = True
            try:
                self.doc.apply_update(message.update)
            finally:
                self._remote = False
            if isinstance(message, protocol.SyncStep2):
                self.synced.set()
            self.changed.set()
        return None


class YClient(ServerDoc):
    """One editor: a pycrdt document kept in sync with the server over one socket."""

    def __init__(self, ws: ClientConnection, doc: Doc[Any] | None = None) -> None:
        super().__init__(doc)
        self.ws = ws
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason: str = ""
        self.awareness: dict[int, str] = {}
        self.received: list[bytes] = []
        self._clock = 0
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, url: str, *, doc: Doc[Any] | None = None, sync: bool = True, **kwargs: Any) -> YClient:
        ws = await connect(url, max_size=None, **kwargs)
        client = cls(ws, doc)
        if sync:
            # A refusal closes at once: the reader records the close code.
            with contextlib.suppress(ConnectionClosed):
                await client.ws.send(protocol.encode_sync_step1(client.doc.get_state()))
        return client

    async def flush(self) -> None:
        """Send the local edits made since the last flush, one update message each."""
        pending, self._outgoing = self._outgoing, []
        for update in pending:
            await self.ws.send(protocol.encode_update(update))

    async def insert(self, index: int, value: str) -> None:
        self.text.insert(index, value)
        await self.flush()

    async def append(self, value: str) -> None:
        await self.insert(len(self.text), value)

    async def delete(self, start: int, end: int) -> None:
        del self.text[start:end]
        await self.flush()

    async def set_awareness(self, state: dict[str, Any] | None) -> None:
        self._clock += 1
        entry = protocol.AwarenessEntry(
            self.doc.client_id, self._clock, json.dumps(state) if state is not None else "null"
        )
        await self.ws.send(protocol.encode_awareness(protocol.encode_awareness_update([entry])))

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                assert isinstance(frame, bytes)
                self.received.append(frame)
                message = protocol.decode_message(frame)
                if isinstance(message, protocol.AwarenessUpdate):
                    for entry in protocol.decode_awareness(message.payload):
                        if entry.removed:
                            self.awareness.pop(entry.client_id, None)
                        else:
                            self.awareness[entry.client_id] = entry.state
                    self.changed.set()
                else:
                    answer = self.from_server(message)
                    if answer is not None:
                        await self.ws.send(answer)
        except ConnectionClosed:
            pass
        finally:
            if self.ws.close_code is not None:
                self.close_code = self.ws.close_code
                self.close_reason = self.ws.close_reason or ""
            self.closed.set()
            self.changed.set()

    async def wait_synced(self, seconds: float = 5.0) -> None:
        with anyio.fail_after(seconds):
            await self.synced.wait()

    async def wait_for(self, predicate: Any, seconds: float = 5.0) -> None:
        """Wait until ``predicate(self)`` is true, re-checking after every received frame."""
        with anyio.fail_after(seconds):
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()

    async def wait_text(self, expected: str, seconds: float = 5.0) -> None:
        await self.wait_for(lambda c: c.value() == expected, seconds)

    async def wait_closed(self, seconds: float = 5.0) -> int | None:
        with anyio.fail_after(seconds):
            await self.closed.wait()
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


def update_inserting(text: str) -> bytes:
    """The update of a fresh client typing ``text`` into the shared text."""
    doc: Doc[Any] = Doc()
    doc.get("text", type=Text).insert(0, text)
    return doc.get_update()


def two_updates(first: str, second: str) -> tuple[bytes, bytes]:
    """Two successive updates of one client: the second depends on the first."""
    doc: Doc[Any] = Doc()
    text = doc.get("text", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    text.insert(0, first)
    text.insert(len(first), second)
    return updates[0], updates[1]
