"""Nothing a partner saw is ever lost: kill -9, compaction, unloading, concurrent loads."""

from __future__ import annotations

import asyncio

import anyio
import pytest
from pycrdt import Doc
from websockets.exceptions import ConnectionClosed

from collab.settings import Settings
from collab.store import Store
from tests.support.pairs import Pair, seed_pair
from tests.support.server import ServerProcess, ServerThread
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


def has_everything_of(doc: Doc, other: Doc) -> bool:
    """True when ``doc`` already contains every change ``other`` has."""
    missing = other.get_update(doc.get_state())
    probe: Doc = Doc()
    probe.apply_update(doc.get_update())
    before = probe.get_update()
    probe.apply_update(missing)
    return probe.get_update() == before


async def test_kill_9_loses_nothing_the_partner_received(settings: Settings, pair: Pair) -> None:
    with ServerProcess(settings, COLLAB_RATE_PER_SECOND="100000", COLLAB_RATE_BURST="100000") as proc:
        typist = await proc.open(pair.doc, pair.token_a)
        partner = await proc.open(pair.doc, pair.token_b)

        async def type_forever() -> None:
            i = 0
            while True:
                await typist.append(f"{i % 10}")
                i += 1
                await asyncio.sleep(0)

        typing = asyncio.get_running_loop().create_task(type_forever())
        await partner.wait_for(lambda c: len(c.value()) >= 300, seconds=20)
        proc.kill()
        typing.cancel()
        with pytest.raises((asyncio.CancelledError, ConnectionClosed)):
            await typing
        await partner.wait_closed()
        received = partner.value()
        assert len(received) >= 300

    with ServerProcess(settings) as restarted:
        fresh = await restarted.open(pair.doc, pair.token_b)
        assert fresh.value().startswith(received)
        assert has_everything_of(fresh.doc, partner.doc)
        await fresh.close()


async def test_compaction_then_reload_gives_the_same_text(settings: Settings) -> None:
    settings = settings.with_overrides(compact_after_updates=25, rate_per_second=1000.0, rate_burst=1000)
    pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        a = await server.open(pair.doc, pair.token_a)
        b = await server.open(pair.doc, pair.token_b)
        for i in range(120):
            if i % 3 == 2:
                await b.delete(0, 1)
            else:
                await a.append(f"mot{i} ")
            await b.wait_text(a.value()) if i % 3 != 2 else await a.wait_text(b.value())
        expected = a.value()
        await a.close()
        await b.close()

    store = await Store.open(settings.store_target)
    try:
        loaded = await store.documents.load(pair.doc)
        assert loaded.snapshot is not None
        assert loaded.snapshot_seq >= 100  # snapshots were written while typing and at shutdown
        assert await store.documents.count_updates(pair.doc) == 120  # the log is kept for replay
    finally:
        await store.close()

    with ServerThread(settings) as again:
        c = await again.open(pair.doc, pair.token_b)
        assert c.value() == expected
        await c.close()


async def test_queued_writes_survive_the_last_peer_leaving(settings: Settings) -> None:
    settings = settings.with_overrides(room_grace_seconds=0.0, rate_per_second=10_000.0, rate_burst=10_000)
    pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        a = await server.open(pair.doc, pair.token_a)
        for i in range(2000):
            a.text.insert(len(a.text), chr(ord("a") + i % 26))
        await a.flush()  # 2,000 updates in flight
        expected = a.value()
        await a.close()  # leave at once: the room unloads with zero grace
        with anyio.fail_after(10):
            while pair.doc in server.hub.rooms:
                await asyncio.sleep(0.01)
        b = await server.open(pair.doc, pair.token_b)
        assert b.value() == expected
        await b.close()


async def test_two_pupils_open_a_new_room_at_the_same_instant(server: ServerThread, pair: Pair) -> None:
    a, b = await asyncio.gather(
        YClient.connect(server.doc_url(pair.doc, pair.token_a)),
        YClient.connect(server.doc_url(pair.doc, pair.token_b)),
    )
    await asyncio.gather(a.wait_synced(), b.wait_synced())
    assert server.hub.metrics.rooms_loaded._value.get() == 1
    await a.append("ensemble")
    await b.wait_text("ensemble")
    await a.close()
    await b.close()
