"""The HTTP fallback for networks that block WebSockets: same messages, same permission checks."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import httpx
import pytest
from pycrdt import Doc, Text

from collab.models import DocStatus
from collab.realtime import protocol
from collab.realtime.protocol import read_var_bytes
from collab.settings import Settings
from tests.support.pupils import Session, join, open_session, signed_in
from tests.support.server import ServerThread
from tests.support.web import DemoSchool
from tests.support.yclient import update_inserting

pytestmark = pytest.mark.anyio


def frames(body: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(body):
        frame, pos = read_var_bytes(body, pos)
        out.append(frame)
    return out


@pytest.fixture
async def http(server: ServerThread) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        yield client


async def test_an_http_client_and_a_socket_client_edit_together(
    server: ServerThread, settings: Settings, school: DemoSchool, http: httpx.AsyncClient
) -> None:
    lea = signed_in(settings, school, "lea")
    noe = await join(server, school.lea_doc, signed_in(settings, school, "noe"))
    session = await open_session(http, school.lea_doc, lea)
    first = frames((await session.poll()).content)
    assert isinstance(protocol.decode_message(first[0]), protocol.SyncStep1)
    assert (await session.send(protocol.encode_sync_step1(b"\x00"))).status_code == 204
    step2 = [protocol.decode_message(f) for f in frames((await session.poll()).content)]
    assert any(isinstance(m, protocol.SyncStep2) for m in step2)
    assert (await session.send(protocol.encode_update(update_inserting("Bonjour")))).status_code == 204
    await noe.wait_text("Bonjour")
    await noe.append(" Noé")
    relayed = [protocol.decode_message(f) for f in frames((await session.poll()).content)]
    assert any(isinstance(m, protocol.SyncUpdate) for m in relayed)


async def test_a_closed_document_ends_the_session_with_its_code(
    server: ServerThread, settings: Settings, school: DemoSchool, http: httpx.AsyncClient
) -> None:
    session = await open_session(http, school.lea_doc, signed_in(settings, school, "lea"))
    await session.poll()
    await server.call(server.hub.set_status(school.lea_doc, DocStatus.LOCKED))
    answer = await session.poll()
    assert answer.status_code == 410 and answer.json()["close_code"] == 4409
    assert (await session.poll()).status_code == 404  # the session is gone


@pytest.mark.parametrize(
    ("who", "doc", "csrf", "status"),
    [
        ("lea", "other_pair_doc", True, 403),
        ("lea", "t999-p1", True, 404),
        ("lea", "lea_doc", False, 403),
        ("parent", "lea_doc", True, 403),
    ],
)
async def test_opening_is_checked_like_a_socket(
    settings: Settings, school: DemoSchool, http: httpx.AsyncClient, who: str, doc: str, csrf: bool, status: int
) -> None:
    user = signed_in(settings, school, who)
    headers = {"Cookie": f"binome_session={user.cookie}"} | ({"x-csrf-token": user.csrf} if csrf else {})
    answer = await http.post(f"/sync/doc/{getattr(school, doc, doc)}", headers=headers)
    assert answer.status_code == status
    assert (await http.post(f"/sync/doc/{school.lea_doc}")).status_code == 401


async def test_forged_or_borrowed_sessions_are_refused(
    settings: Settings, school: DemoSchool, http: httpx.AsyncClient
) -> None:
    lea = signed_in(settings, school, "lea")
    session = await open_session(http, school.lea_doc, lea)
    forged = Session(http, school.lea_doc, lea, "not-a-session")
    assert (await forged.poll()).status_code == 404
    borrowed = Session(http, school.lea_doc, signed_in(settings, school, "noe"), session.key)
    assert (await borrowed.poll()).status_code == 404
    assert (await borrowed.send(protocol.encode_update(update_inserting("X")))).status_code == 404
    elsewhere = Session(http, school.other_pair_doc, lea, session.key)
    assert (await elsewhere.poll()).status_code == 404


async def test_garbage_ends_only_that_session(
    server: ServerThread, settings: Settings, school: DemoSchool, http: httpx.AsyncClient
) -> None:
    noe = await join(server, school.lea_doc, signed_in(settings, school, "noe"))
    session = await open_session(http, school.lea_doc, signed_in(settings, school, "lea"))
    answer = await session.http.post(
        f"/sync/doc/{session.doc}/{session.key}", content=b"\x05abc", headers=session.headers()
    )
    assert answer.status_code == 400
    assert (await session.poll()).status_code == 404
    bad = await open_session(http, school.lea_doc, session.pupil)
    assert (await bad.send(b"\x09\x09\x09")).status_code == 400
    await noe.append("toujours là")  # the room and the other pupil go on
    assert noe.value() == "toujours là"


async def test_a_reader_cannot_write_over_http(settings: Settings, school: DemoSchool, http: httpx.AsyncClient) -> None:
    session = await open_session(http, school.lea_doc, signed_in(settings, school, "teacher"))
    answer = await session.send(protocol.encode_update(update_inserting("Faux")))
    assert answer.status_code == 403 and answer.json()["close_code"] == 4403


async def test_a_fast_http_writer_is_paced_inside_its_requests_not_dropped(
    server: ServerThread, settings: Settings, school: DemoSchool, http: httpx.AsyncClient
) -> None:
    """768 updates in three full requests (beyond the budget of COLLAB_RATE_BURST): each request
    waits while its frames are paced, none is refused; a second request sent meanwhile on the same
    session is refused (429) without ending the session."""
    noe = await join(server, school.lea_doc, signed_in(settings, school, "noe"))
    session = await open_session(http, school.lea_doc, signed_in(settings, school, "lea"))
    writer: Doc[Any] = Doc()
    text = writer.get("text", type=Text)
    updates: list[bytes] = []
    writer.observe(lambda event: updates.append(event.update))
    for i in range(768):
        text.insert(len(text), "abcdefgh"[i % 8])
    batches = [updates[i : i + 256] for i in range(0, 768, 256)]
    assert settings.rate_burst < 768
    for n, batch in enumerate(batches):
        paced = await frames_paced(http)
        sending = asyncio.ensure_future(session.send(*(protocol.encode_update(u) for u in batch)))
        if n == len(batches) - 1:
            with anyio.fail_after(10):  # the last request waits for its budget...
                while await frames_paced(http) == paced:
                    await asyncio.sleep(0.01)
            parallel = await session.send(protocol.encode_update(updates[0]))
            assert parallel.status_code == 429
        assert (await sending).status_code == 204
    await noe.wait_text(str(text), seconds=30)
    assert (await session.poll()).status_code == 200  # the session is still open


async def frames_paced(http: httpx.AsyncClient) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith("collab_frames_paced_total "):
            return float(line.split()[1])
    return 0.0
