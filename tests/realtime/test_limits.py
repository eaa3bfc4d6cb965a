"""Bad input hurts only its sender: caps, rate limits, slow consumers and garbage."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from collab.realtime import protocol
from collab.settings import Settings
from tests.support.pairs import Pair, seed_pair
from tests.support.server import ServerThread, make_settings
from tests.support.yclient import YClient, update_inserting

pytestmark = pytest.mark.anyio

FRAME_CAP = 4096


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path / "data",
        max_frame_bytes=FRAME_CAP,
        max_doc_bytes=20_000,
        rate_per_second=20.0,
        rate_burst=60,
        send_queue_bytes=64 * 1024,
    )


def refused(server: ServerThread, reason: str) -> float:
    text = httpx.get(f"{server.http_url}/metrics").text
    prefix = f'collab_refused_frames_total{{reason="{reason}"}} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    raise AssertionError(f"no metric for {reason}")


async def partner_still_works(a: YClient, b: YClient, marker: str) -> None:
    await b.append(marker)
    await a.wait_for(lambda c: marker in c.value())


GARBAGE = [
    pytest.param(b"\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff", id="bad-varint"),
    pytest.param(b"\x09\x00", id="unknown-message-type"),
    pytest.param(b"\x00\x07\x00", id="unknown-sync-type"),
    pytest.param(protocol.encode_update(update_inserting("coucou"))[:-4], id="truncated-update-frame"),
    pytest.param(protocol.encode_update(b"\x01\x02\x03\x04\x05\x06"), id="invalid-update-bytes"),
    pytest.param(protocol.encode_update(update_inserting("coucou")[:-3]), id="truncated-update-bytes"),
    pytest.param(b"\x01\x05\x01\x01\x01\x02{", id="awareness-not-json"),
    pytest.param(b"\x00\x00\x03\xff\xff\xff", id="bad-state-vector"),
]


@pytest.mark.parametrize("frame", GARBAGE)
async def test_garbage_closes_only_its_sender(server: ServerThread, pair: Pair, frame: bytes) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    await a.append("avant ")
    await b.wait_text("avant ")
    before = refused(server, "bad_message")
    await b.ws.send(frame)
    assert await b.wait_closed() == 4400
    assert refused(server, "bad_message") == before + 1
    await a.append("après")
    # Nothing invalid was stored: a fresh client loads exactly the good text.
    fresh = await server.open(pair.doc, pair.token_b)
    await fresh.wait_text("avant après")
    await a.close()
    await fresh.close()


async def test_text_frame_is_refused(server: ServerThread, pair: Pair) -> None:
    b = await server.open(pair.doc, pair.token_b)
    await b.ws.send("bonjour")
    assert await b.wait_closed() == 4400


async def test_oversized_frame_gets_4413_and_huge_frame_1009(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    await b.ws.send(protocol.encode_update(update_inserting("x" * (FRAME_CAP + 10))))
    assert await b.wait_closed() == 4413
    c = await server.open(pair.doc, pair.token_b)
    await c.ws.send(protocol.encode_update(update_inserting("y" * (FRAME_CAP * 3))))
    assert await c.wait_closed() == 1009
    d = await server.open(pair.doc, pair.token_b)
    await partner_still_works(a, d, "ok")
    assert "x" not in a.value() and "y" not in a.value()


async def test_document_size_cap(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    with contextlib.suppress(ConnectionClosed):
        for _ in range(10):
            await b.append("z" * 3000)
    assert await b.wait_closed() == 4413
    assert refused(server, "doc_too_large") == 1
    await a.wait_for(lambda c: len(c.value()) >= 3000)
    assert len(a.value()) < 20_000


def metric(server: ServerThread, name: str) -> float:
    for line in httpx.get(f"{server.http_url}/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


async def test_a_fast_writer_is_paced_not_dropped(server: ServerThread, pair: Pair) -> None:
    """150 frames at once, with a budget of 60 and 20 a second: the socket is read more slowly,
    nothing is refused, everything arrives."""
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    for i in range(150):
        if i % 3:
            await b.set_awareness({"cursor": i})
        else:
            await b.append(f"{i},")
    expected = "".join(f"{i}," for i in range(0, 150, 3))
    await a.wait_text(expected, seconds=20)
    assert not b.closed.is_set()
    assert refused(server, "rate_limited") == 0
    assert metric(server, "collab_frames_paced_total") > 0
    await a.close()
    await b.close()


async def test_garbage_spends_only_its_own_connection_budget(tmp_path: Path) -> None:
    """80 connections of Noé's account each send garbage (each is closed, 4400); his well-behaved
    connection then sends a burst within its own budget and is not touched. (The cap on one
    person's connections to a text, tested in test_presence, is lifted here.)"""
    settings = make_settings(tmp_path / "garbage", connections_per_document=1000)
    pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        await _garbage_then_a_burst(server, pair)


async def _garbage_then_a_burst(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)

    async def garbage() -> int | None:
        bad = await YClient.connect(server.doc_url(pair.doc, pair.token_b))
        with contextlib.suppress(ConnectionClosed):
            await bad.ws.send(b"\x09\x00")
        return await bad.wait_closed(seconds=20)

    assert set(await asyncio.gather(*(garbage() for _ in range(80)))) == {4400}
    for i in range(50):
        await b.set_awareness({"cursor": i})
    await partner_still_works(a, b, "toujours là")
    assert not b.closed.is_set()
    await a.close()
    await b.close()


async def test_sustained_abuse_gets_4429(tmp_path: Path) -> None:
    """A connection kept at its pacing limit for longer than COLLAB_PACE_ABUSE_SECONDS is closed
    (4429); its partner goes on."""
    settings = make_settings(tmp_path / "abuse", rate_per_second=50.0, rate_burst=20, pace_abuse_seconds=1.0)
    pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        a = await server.open(pair.doc, pair.token_a)
        b = await server.open(pair.doc, pair.token_b)
        with contextlib.suppress(ConnectionClosed):
            for i in range(5_000):
                if b.closed.is_set():
                    break
                await b.set_awareness({"cursor": i})
        assert await b.wait_closed(seconds=20) == 4429
        assert refused(server, "rate_limited") == 1
        b2 = await server.open(pair.doc, pair.token_b)  # a new connection has a budget of its own
        await partner_still_works(a, b2, "encore là")
        await a.close()
        await b2.close()


async def test_slow_consumer_is_closed_without_stalling_the_room(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "slow",
        max_frame_bytes=512 * 1024,
        max_doc_bytes=256 * 1024 * 1024,
        rate_per_second=1000.0,
        rate_burst=1000,
        send_queue_bytes=1024 * 1024,
    )
    pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        a = await server.open(pair.doc, pair.token_a)
        b = await server.open(pair.doc, pair.token_b)
        # A reader that stops reading: websockets stops pulling from TCP after max_queue frames.
        slow = await server.open(pair.doc, pair.token_reader, max_queue=1)
        slow._reader.cancel()
        chunk = "m" * 200_000
        for _ in range(300):  # at most 60 MB: far more than loopback socket buffers hold
            if refused(server, "slow_consumer") >= 1:
                break
            await a.insert(0, chunk)
            await b.wait_for(lambda c: len(c.value()) == len(chunk))
            await a.delete(0, len(chunk))
            await b.wait_for(lambda c: c.value() == "")
        assert refused(server, "slow_consumer") == 1
        assert not a.closed.is_set() and not b.closed.is_set()
        await partner_still_works(a, b, "toujours vivant")
        await a.close()
        await b.close()
        slow.ws.transport.abort()
        await server.wait_no_connections()
