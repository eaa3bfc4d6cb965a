"""Fuzzing the hub with hypothesis: garbage never reaches the document or the partner."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from collab.realtime import protocol
from collab.settings import Settings
from tests.support.pairs import Pair
from tests.support.server import ServerThread, make_settings
from tests.support.yclient import YClient, two_updates, update_inserting

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", rate_per_second=100_000.0, rate_burst=100_000)


REAL_UPDATE = update_inserting("intrus")
# The second of two successive updates, sent without the first: its structs cannot integrate.
GAP_UPDATE = two_updates("abc", "def")[1]

varint_bytes = st.binary(min_size=1, max_size=10)
frames = st.one_of(
    st.binary(max_size=64),
    # A plausible header followed by noise.
    st.tuples(st.sampled_from([b"\x00\x00", b"\x00\x01", b"\x00\x02", b"\x01", b"\x03"]), st.binary(max_size=64)).map(
        b"".join
    ),
    # A well-framed update whose bytes are noise.
    st.binary(min_size=1, max_size=64).map(protocol.encode_update),
    # A real update, cut short or with flipped bytes.
    st.integers(min_value=1, max_value=len(REAL_UPDATE) - 1).map(lambda n: protocol.encode_update(REAL_UPDATE[:n])),
    st.tuples(st.integers(0, len(REAL_UPDATE) - 1), st.integers(1, 255)).map(
        lambda t: protocol.encode_update(
            REAL_UPDATE[: t[0]] + bytes([REAL_UPDATE[t[0]] ^ t[1]]) + REAL_UPDATE[t[0] + 1 :]
        )
    ),
    st.just(protocol.encode_update(GAP_UPDATE)),
    # Awareness payloads with bad counts, lengths or JSON.
    st.tuples(varint_bytes, st.binary(max_size=32)).map(lambda t: protocol.encode_awareness(t[0] + t[1])),
)


@hypothesis_settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=frames)
async def test_fuzzed_frames_hurt_only_their_sender(server: ServerThread, pair: Pair, frame: bytes) -> None:
    partner = await server.open(pair.doc, pair.token_a)
    before = partner.value()
    attacker = await server.open(pair.doc, pair.token_b)
    await attacker.ws.send(frame)
    # Either the attacker was closed with a clear code, or the frame was harmless and the
    # connection still answers a sync request.
    probe = protocol.encode_sync_step1(attacker.doc.get_state())
    with contextlib.suppress(ConnectionClosed):
        await attacker.ws.send(probe)
    await attacker.wait_for(lambda c: c.closed.is_set() or _answered(c), seconds=5)
    if attacker.closed.is_set():
        assert attacker.close_code in (4400, 4413, 1009), attacker.close_code
    else:
        await attacker.close()
    if "depends on changes" in attacker.close_reason:
        # The room was rebuilt from storage: the partner is asked to reconnect (1011) and
        # comes back with its own document, as y-websocket does, losing nothing.
        assert await partner.wait_closed() == 1011
        partner = await server.open(pair.doc, pair.token_a, doc=partner.doc)
    # The partner keeps working, and a newcomer loads exactly the partner's text (a
    # mutated update may still be a valid one: a writer's valid update is accepted).
    marker = f"[{len(before)}]"
    await partner.append(marker)
    await partner.wait_for(lambda c: marker in c.value())
    fresh = await YClient.connect(server.doc_url(pair.doc, pair.token_b))
    await fresh.wait_text(partner.value())
    await fresh.close()
    await partner.close()


async def test_stored_document_is_intact_after_a_storm_of_garbage(settings: Settings, pair: Pair) -> None:
    rng = random.Random(20261123)
    with ServerThread(settings) as server:
        partner = await server.open(pair.doc, pair.token_a)
        for i in range(150):
            attacker = await server.open(pair.doc, pair.token_b)
            cut = rng.randrange(1, len(REAL_UPDATE))
            frame = rng.choice(
                [
                    rng.randbytes(rng.randrange(1, 40)),
                    protocol.encode_update(REAL_UPDATE[:cut]),
                    protocol.encode_update(rng.randbytes(rng.randrange(1, 40))),
                    b"\x00\x02" + rng.randbytes(rng.randrange(0, 40)),
                ]
            )
            with contextlib.suppress(ConnectionClosed):
                await attacker.ws.send(frame)
                await attacker.ws.send(protocol.encode_sync_step1(attacker.doc.get_state()))
            await attacker.wait_for(lambda c: c.closed.is_set() or _answered(c), seconds=5)
            if not attacker.closed.is_set():
                await attacker.close()
            await partner.append(f"{i} ")
        expected = partner.value()
        fresh = await YClient.connect(server.doc_url(pair.doc, pair.token_b))
        await fresh.wait_text(expected)
        await fresh.close()
        await partner.close()
    with ServerThread(settings) as restarted:
        reloaded = await YClient.connect(restarted.doc_url(pair.doc, pair.token_b))
        await reloaded.wait_text(expected)
        await reloaded.close()


def _answered(client: YClient) -> bool:
    """The client got a sync step 2 after its probe (two step-2 answers in all)."""
    return sum(1 for f in client.received if f[:2] == b"\x00\x01") >= 2
