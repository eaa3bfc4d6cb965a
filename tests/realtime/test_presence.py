"""Presence (awareness) is bounded and cannot be forged; the offending connection alone is closed."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from websockets.exceptions import ConnectionClosed

from collab.realtime import protocol
from collab.realtime.awareness import SERVER_CLIENT_ID
from tests.support.pairs import Pair, seed_pair
from tests.support.server import LiveServer, ServerProcess, ServerThread, make_settings
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


def awareness_frame(*entries: tuple[int, int, dict[str, Any] | None]) -> bytes:
    states = [(cid, clock, json.dumps(s) if s is not None else "null") for cid, clock, s in entries]
    return protocol.encode_awareness(protocol.encode_awareness_update([protocol.AwarenessEntry(*e) for e in states]))


async def intruder(server: LiveServer, pair: Pair, frame: bytes, keep: list[YClient] | None = None) -> int | None:
    """A connection of the partner's account (Noé) sends ``frame``; return its close code (None: open,
    then closed unless ``keep`` takes it)."""
    # A short close timeout: a client closed while the server is busy may wait for the TCP end.
    client = await YClient.connect(server.doc_url(pair.doc, pair.token_b), close_timeout=1)
    with contextlib.suppress(ConnectionClosed):
        await client.ws.send(frame)
        await client.ws.send(protocol.encode_sync_step1(b"\x00"))  # answered only after the frame
    with anyio.fail_after(10):
        while not client.closed.is_set() and sum(1 for f in client.received if f[:2] == b"\x00\x01") < 2:
            client.changed.clear()
            await client.changed.wait()
    if client.closed.is_set():
        return client.close_code
    if keep is not None:
        keep.append(client)
    else:
        await client.close()
    return None


async def still_syncing(lea: YClient, teacher: YClient, marker: str) -> None:
    await lea.append(marker)
    await teacher.wait_for(lambda c: marker in c.value(), seconds=20)
    assert not lea.closed.is_set() and not teacher.closed.is_set()


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def test_a_presence_flood_closes_only_the_flooder(tmp_path: Path) -> None:
    """Big states, numerous client ids and a room filled by many connections: each flooding
    connection is closed (4413, 4400, 4413) while Léa keeps writing and the teacher keeps seeing
    her text and her presence; the server's memory stays flat."""
    settings = make_settings(tmp_path / "data")
    pair = await seed_pair(settings)
    # Many connections of one person at once: the per-person cap (tested below) is lifted here.
    with ServerProcess(settings, COLLAB_CONNECTIONS_PER_DOCUMENT="1000") as server:
        assert server.proc is not None
        lea = await server.open(pair.doc, pair.token_a)
        teacher = await server.open(pair.doc, pair.token_reader)
        await lea.set_awareness({"user": {"name": "Léa"}})
        await teacher.wait_for(lambda c: lea.doc.client_id in c.awareness)
        before, _ = rss_mb(server.proc.pid)
        big = 200_000
        kinds = {
            "big": lambda cid: awareness_frame((cid, 1, {"cursor": "x" * big})),
            "numerous": lambda cid: awareness_frame(*((cid + i, 1, {"cursor": "y" * 1000}) for i in range(200))),
            "room": lambda cid: awareness_frame(*((cid + i, 1, {"cursor": "z" * 4000}) for i in range(4))),
        }
        codes: dict[str, list[int | None]] = {kind: [] for kind in kinds}
        holding: list[YClient] = []
        base = 1_000
        for wave in range(5):
            jobs = [(kind, base + (wave * 30 + n) * 1_000) for kind in kinds for n in range(10)]
            results = await asyncio.gather(*(intruder(server, pair, kinds[kind](cid), holding) for kind, cid in jobs))
            for (kind, _), code in zip(jobs, results, strict=True):
                codes[kind].append(code)
            await still_syncing(lea, teacher, f"[{wave}]")
        after, peak = rss_mb(server.proc.pid)
        print(f"server RSS before the flood {before:.1f} MB, after {after:.1f} MB, peak {peak:.1f} MB")
        assert set(codes["big"]) == {4413}
        assert set(codes["numerous"]) == {4400}
        # Each "room" connection holds 16 KB and stays: the room takes four of them (64 KB), no more;
        # beyond, the flooder's heaviest connections are closed (the newcomer, or an older one).
        assert set(codes["room"]) == {4413, None}
        assert {c.close_code for c in holding if c.closed.is_set()} <= {4413}
        assert len([c for c in holding if not c.closed.is_set()]) <= 4
        assert lea.doc.client_id in teacher.awareness
        assert teacher.value() == "[0][1][2][3][4]"
        assert after - before < 64, (before, after)
        for client in [lea, teacher, *holding]:
            await client.close()


async def test_a_forged_server_state_is_refused_and_never_reaches_the_partner(server: ServerThread, pair: Pair) -> None:
    lea = await server.open(pair.doc, pair.token_a)
    teacher = await server.open(pair.doc, pair.token_reader)
    await lea.wait_for(lambda c: SERVER_CLIENT_ID in c.awareness)
    genuine = lea.awareness[SERVER_CLIENT_ID]
    server_clock = max(
        e.clock
        for f in lea.received
        if f[:1] == b"\x01"
        for e in protocol.decode_awareness(protocol.decode_message(f).payload)  # type: ignore[union-attr]
        if e.client_id == SERVER_CLIENT_ID
    )
    forged = {"binome": {"agreed": [], "members": [], "published": True, "message": {"text": "Faux", "at": 9e12}}}
    # The server-only field under the pupil's own id, or the server's id with a newer clock: refused.
    assert await intruder(server, pair, awareness_frame((4242, 1, forged))) == 4403
    escaped = protocol.encode_awareness(
        protocol.encode_awareness_update(
            [protocol.AwarenessEntry(4243, 1, '{"\\u0062inome":{"published":true,"message":{"text":"Faux"}}}')]
        )
    )
    assert await intruder(server, pair, escaped) == 4403
    assert await intruder(server, pair, awareness_frame((SERVER_CLIENT_ID, server_clock + 1, forged))) == 4403
    # Someone else's presence (Léa's), newer: refused too.
    await lea.set_awareness({"user": {"name": "Léa"}})
    assert await intruder(server, pair, awareness_frame((lea.doc.client_id, 99, {"user": {"name": "Faux"}}))) == 4403
    # What the stock client sends back (the server's state, or its removal at the same clock, after a
    # timeout): dropped, the sender is not closed.
    assert await intruder(server, pair, awareness_frame((SERVER_CLIENT_ID, server_clock, json.loads(genuine)))) is None
    assert await intruder(server, pair, awareness_frame((SERVER_CLIENT_ID, server_clock, None))) is None
    await still_syncing(lea, teacher, "fin")
    assert lea.awareness[SERVER_CLIENT_ID] == genuine
    assert not any("Faux" in state for state in [*lea.awareness.values(), *teacher.awareness.values()])
    assert {json.loads(s).get("user", {}).get("name") for s in teacher.awareness.values()} >= {"Léa"}
    await lea.close()
    await teacher.close()


async def test_a_reconnecting_page_takes_its_own_presence_back(server: ServerThread, pair: Pair) -> None:
    """The same person's new connection may announce the id its old (lingering) socket announced."""
    lea = await server.open(pair.doc, pair.token_a)
    old = await server.open(pair.doc, pair.token_b)
    await old.ws.send(awareness_frame((777, 1, {"user": {"name": "Noé"}})))
    await lea.wait_for(lambda c: 777 in c.awareness)
    new: list[YClient] = []
    assert await intruder(server, pair, awareness_frame((777, 2, {"user": {"name": "Noé", "v": 2}})), new) is None
    await lea.wait_for(lambda c: '"v": 2' in c.awareness.get(777, ""))
    await old.close()  # the old socket no longer owns 777: its departure does not remove it
    await new[0].append("ici")
    await lea.wait_text("ici")
    assert '"v": 2' in lea.awareness[777]
    await new[0].close()
    await lea.wait_for(lambda c: 777 not in c.awareness)  # the new one does
    await lea.close()


async def test_the_server_announces_the_room_under_its_fixed_id_with_a_growing_clock(
    server: ServerThread, pair: Pair
) -> None:
    """A page that saw an earlier instance of the room (reloaded, server restarted) still takes the
    new state: the clock is at least the time in milliseconds."""
    lea = await server.open(pair.doc, pair.token_a)
    await lea.wait_for(lambda c: SERVER_CLIENT_ID in c.awareness)
    [entry] = [
        e
        for f in lea.received
        if f[:1] == b"\x01"
        for e in protocol.decode_awareness(protocol.decode_message(f).payload)  # type: ignore[union-attr]
        if e.client_id == SERVER_CLIENT_ID
    ]
    assert entry.clock > 1_700_000_000_000
    await lea.close()


async def test_a_state_too_large_is_refused_with_4413(server: ServerThread, pair: Pair) -> None:
    lea = await server.open(pair.doc, pair.token_a)
    teacher = await server.open(pair.doc, pair.token_reader)
    assert await intruder(server, pair, awareness_frame((5, 1, {"cursor": "x" * 5000}))) == 4413
    assert await intruder(server, pair, awareness_frame((6, 1, {"cursor": "x" * 3000}))) is None
    await still_syncing(lea, teacher, "ok")
    await lea.close()
    await teacher.close()


async def flooder(server: LiveServer, pair: Pair, n: int, frames: int) -> int | None:
    """One of Noé's connections: ``frames`` presence updates of four 3.9 KB states (each under
    every per-state and per-connection bound), as fast as it can; its close code (None: open)."""
    try:
        client = await YClient.connect(server.doc_url(pair.doc, pair.token_b), close_timeout=1)
    except (ConnectionClosed, OSError):
        return -1
    with contextlib.suppress(ConnectionClosed):
        for clock in range(1, frames + 1):
            cids = (50_000 + n * 10 + k for k in range(4))
            await client.ws.send(awareness_frame(*((cid, clock, {"p": "x" * 3900}) for cid in cids)))
        await client.ws.send(protocol.encode_sync_step1(b"\x00"))
        with anyio.fail_after(30):
            while not client.closed.is_set() and not any(f[:2] == b"\x00\x01" for f in client.received):
                client.changed.clear()
                await client.changed.wait()
    code = client.close_code if client.closed.is_set() else None
    await client.close()
    return code


async def test_many_connections_of_one_pupil_cannot_flood_the_partner_off(tmp_path: Path) -> None:
    """Every connection's allowance is relayed to every peer: a person may hold at most
    COLLAB_CONNECTIONS_PER_DOCUMENT (4) connections on one text (more: 4429), and presence is paced
    by the bytes it relays, so 100 of Noé's connections flooding 3.9 KB states leave Léa and the
    teacher connected (they used to be closed with 1013, their send queues full)."""
    settings = make_settings(tmp_path / "data")
    pair = await seed_pair(settings)
    with ServerProcess(settings) as server:
        lea = await server.open(pair.doc, pair.token_a)
        teacher = await server.open(pair.doc, pair.token_reader)
        codes = await asyncio.gather(*(flooder(server, pair, n, 24) for n in range(100)))
        await still_syncing(lea, teacher, "[encore là]")
        assert not lea.closed.is_set() and not teacher.closed.is_set()
        refused = [c for c in codes if c == 4429]
        assert len(refused) >= 96, codes  # at most four connections of Noé's at a time
        assert set(codes) <= {4429, None, -1}
