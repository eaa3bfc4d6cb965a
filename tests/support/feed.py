"""The teacher's dashboard socket (the live class feed), read as the page reads it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.server import ServerThread


class Feed:
    """A dashboard's socket, its messages kept with their arrival times."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.changed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.messages.append((time.monotonic(), json.loads(raw)))
                self.changed.set()
        except ConnectionClosed:
            pass

    def card(self, doc: str) -> dict[str, Any] | None:
        """The pair's card as the dashboard knows it: its snapshot with every change since applied."""
        state: dict[str, Any] | None = None
        for _, message in self.messages:
            for pair in message["pairs"]:
                if pair["doc"] == doc:
                    state = apply_change(state, pair)
        return state

    async def wait_card(self, doc: str, predicate: Any, seconds: float = 5.0) -> dict[str, Any]:
        with anyio.fail_after(seconds):
            while True:
                card = self.card(doc)
                if card is not None and predicate(card):
                    return card
                self.changed.clear()
                await self.changed.wait()


def apply_change(state: dict[str, Any] | None, change: dict[str, Any]) -> dict[str, Any]:
    """A card updated with a feed message's change (only what changed; the text as kept + added)."""
    updated = {**(state or {}), **{k: v for k, v in change.items() if k not in ("keep", "add")}}
    if "add" in change:
        assert state is not None, "a text change before the snapshot"
        updated["text"] = state["text"][: change["keep"]] + change["add"]
    return updated


OPEN: list[ClientConnection] = []


async def open_feed(server: ServerThread, task_id: int | str, cookie: str | None) -> ClientConnection:
    headers = {"Cookie": f"binome_session={cookie}"} if cookie else {}
    ws = await connect(f"ws://127.0.0.1:{server.port}/ws/tableau/{task_id}", additional_headers=headers)
    OPEN.append(ws)
    return ws
