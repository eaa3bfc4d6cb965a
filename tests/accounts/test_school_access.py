"""The hub's document access comes from the school model: sessions over real WebSockets."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from collab.models import DocStatus
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, csrf_from, sign_in_as
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


def session_cookie(client: TestClient, who: str, school: DemoSchool) -> str:
    """Sign in (through the pages) and return the session cookie header."""
    return f"binome_session={sign_in_as(client, who, school)}"


async def connect(server: ServerThread, doc: str, cookie: str | None) -> YClient:
    headers = {"Cookie": cookie} if cookie else {}
    return await YClient.connect(server.doc_url(doc), additional_headers=headers)


@pytest.mark.parametrize(
    ("who", "doc", "outcome"),
    [
        ("lea", "lea_doc", "write"),
        ("lea", "other_pair_doc", 4403),  # another pair's text, same class
        ("teacher", "lea_doc", "read"),
        ("teacher", "pair7_doc", "read"),
        ("other teacher", "lea_doc", 4403),
        ("parent", "lea_doc", 4403),  # parents read the blog, never drafts
        ("admin", "lea_doc", 4403),  # admins manage accounts, never read texts
        ("lea", "../lea_doc", 4404),
        ("lea", "t999-p1", 4404),
    ],
)
async def test_access_by_role_over_websockets(
    server: ServerThread, client: TestClient, school: DemoSchool, who: str, doc: str, outcome: str | int
) -> None:
    doc = doc.replace("lea_doc", school.lea_doc).replace("other_pair_doc", school.other_pair_doc)
    doc = doc.replace("pair7_doc", school.pair7_doc)
    ws = await connect(server, doc, session_cookie(client, who, school))
    if isinstance(outcome, int):
        assert await ws.wait_closed() == outcome
        return
    await ws.wait_synced()
    await ws.append("essai")
    if outcome == "read":
        assert await ws.wait_closed() == 4403  # a reader's edit is refused
    else:
        anonymous = await YClient.connect(server.doc_url(doc, None))
        assert await anonymous.wait_closed() == 4401  # no session, no token
        await ws.close()


async def test_signed_out_session_no_longer_opens_documents(
    server: ServerThread, client: TestClient, school: DemoSchool
) -> None:
    cookie = session_cookie(client, "lea", school)
    home = client.get("/")
    assert client.post("/deconnexion", data={"csrf": csrf_from(home.text)}).status_code == 303
    ws = await connect(server, school.lea_doc, cookie)
    assert await ws.wait_closed() == 4401


async def test_locked_document_refuses_the_pair(server: ServerThread, client: TestClient, school: DemoSchool) -> None:
    cookie = session_cookie(client, "lea", school)
    writer = await connect(server, school.lea_doc, cookie)
    await writer.wait_synced()
    await server.call(server.hub.set_status(school.lea_doc, DocStatus.LOCKED))
    assert await writer.wait_closed() == 4409
    again = await connect(server, school.lea_doc, cookie)
    assert await again.wait_closed() == 4409


async def test_work_keeps_the_pair_it_was_done_by(server: ServerThread, client: TestClient, school: DemoSchool) -> None:
    cookie = session_cookie(client, "lea", school)
    store = server.hub.store
    pairs = await server.call(store.pairs.current_pairs(school.class_id))
    everyone = [m.id for p in pairs for m in p.members]
    regrouped = [everyone[i : i + 2] for i in range(1, len(everyone) - 1, 2)] + [[everyone[0], everyone[-1]]]
    await server.call(store.pairs.arrange(school.class_id, regrouped))
    old = await connect(server, school.lea_doc, cookie)
    await old.wait_synced()  # the text written with Noé is still Léa's
    await old.close()
