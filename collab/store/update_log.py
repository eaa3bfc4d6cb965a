"""The update log writer: group commit of accepted updates, before they are relayed.

Every accepted update is appended here. One background task writes whatever has
arrived since its previous commit in a single transaction, then tells each item's
listener that its update is durable (the room relays it only then). While one commit
is in progress the next group builds up, so the number of commits per second stays
bounded however many pupils type.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from collab.models import PendingUpdate
from collab.store.database import Database

log = logging.getLogger(__name__)

_FULL_GROUP = 256


class UpdateLog:
    def __init__(
        self,
        db: Database,
        *,
        window_seconds: float = 0.0,
        on_commit: Callable[[float, int], None] | None = None,
    ) -> None:
        self.db = db
        self._window = window_seconds
        self._on_commit = on_commit
        self._pending: list[PendingUpdate] = []
        self._wakeup = asyncio.Event()
        self._appended = 0
        self._done = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="update-log")

    def append(self, item: PendingUpdate) -> int:
        """Queue an update for the next group commit; returns its ticket."""
        if self._closing:
            raise RuntimeError("update log is closed")
        self._pending.append(item)
        self._appended += 1
        self._wakeup.set()
        return self._appended

    async def wait_durable(self, ticket: int) -> None:
        """Return once the update with this ticket (and all before it) is committed or lost."""
        if ticket <= self._done:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((ticket, fut))
        await fut

    async def flush(self) -> None:
        await self.wait_durable(self._appended)

    async def close(self) -> None:
        """Commit everything queued, then stop."""
        await self.flush()
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if not self._pending:
                continue
            if self._window > 0 and len(self._pending) < _FULL_GROUP:
                # Let a few more milliseconds of typing join this group: fewer fsyncs.
                await asyncio.sleep(self._window)
            batch, self._pending = self._pending, []
            await self._commit(batch)

    async def _commit(self, batch: list[PendingUpdate]) -> None:
        started = time.perf_counter()
        try:
            seqs = await self.db.append_updates([(u.doc_id, u.data, u.author_id, u.created_at) for u in batch])
        except Exception as exc:
            log.error("group commit of %d updates failed: %s", len(batch), exc)
            self._finish(len(batch))
            for item in batch:
                item.listener.on_lost(item, exc)
            return
        if self._on_commit is not None:
            self._on_commit(time.perf_counter() - started, len(batch))
        self._finish(len(batch))
        for item, seq in zip(batch, seqs, strict=True):
            item.seq = seq
            try:
                item.listener.on_durable(item)
            except Exception:
                log.exception("relay after commit failed for %s", item.doc_id)

    def _finish(self, count: int) -> None:
        self._done += count
        if not self._waiters:
            return
        still: list[tuple[int, asyncio.Future[None]]] = []
        for ticket, fut in self._waiters:
            if ticket <= self._done:
                if not fut.done():
                    fut.set_result(None)
            else:
                still.append((ticket, fut))
        self._waiters = still
