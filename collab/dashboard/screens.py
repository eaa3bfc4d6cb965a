"""One dashboard's connection: the cards waiting to be sent, and what it was last sent of each
pair, so that it receives only what changed (fields that differ; of the text, ``keep`` and ``add``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from collab.errors import CollabError
from collab.realtime.metrics import FrameCounts

#: Sends one JSON text message to a dashboard.
Send = Callable[[str], Awaitable[None]]


@dataclass(eq=False)
class Dashboard:
    """One dashboard's connection: the latest state of each changed pair waits here until sent,
    so a slow screen gets fewer, fresher messages instead of a growing queue; what it was last
    sent of each pair is kept, so that it is sent only the difference."""

    send: Send
    counts: FrameCounts
    #: Whose dashboard, opened with which credential; how to close its socket (rights revoked).
    user_id: int = 0
    credential: str = ""
    close: Callable[[CollabError], None] | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def first(self, snapshot: dict[str, Any]) -> str:
        """The snapshot message, remembered as what this dashboard has."""
        started = time.thread_time()
        for card in snapshot["pairs"]:
            self.sent[card["doc"]] = card
        message = encode(snapshot)
        self.counts.feed_cpu_seconds += time.thread_time() - started
        return message

    def push(self, cards: list[dict[str, Any]]) -> None:
        for card in cards:
            self.pending[card["doc"]] = card
        self.ready.set()

    async def run(self) -> None:
        while not self.closed:
            await self.ready.wait()
            self.ready.clear()
            if self.pending:
                started = time.thread_time()
                cards, self.pending = self.pending.values(), {}
                changes = [change for card in cards if (change := self._change(card)) is not None]
                if changes:
                    await self.send(encode({"type": "update", "now": time.time(), "pairs": changes}))
                self.counts.feed_cpu_seconds += time.thread_time() - started

    def _change(self, card: dict[str, Any]) -> dict[str, Any] | None:
        """What differs from the card this dashboard was last sent (None: nothing)."""
        doc = card["doc"]
        before = self.sent.get(doc)
        self.sent[doc] = card
        if before is None:
            return card
        change = {key: value for key, value in card.items() if key != "text" and before.get(key) != value}
        old, new = before["text"], card["text"]
        if new != old:
            keep = common_prefix(old, new)
            change["keep"], change["add"] = keep, new[keep:]
        if not change:
            return None
        change["doc"] = doc
        return change


def common_prefix(old: str, new: str) -> int:
    """How many leading characters two texts share (typing at the end: all of the old one)."""
    if new.startswith(old):
        return len(old)
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest equal prefix, by halving: slices compare in C
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
