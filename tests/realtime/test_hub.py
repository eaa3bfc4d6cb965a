"""The hub over a real uvicorn with real websockets clients driving pycrdt documents."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from collab.settings import Settings
from tests.support.pairs import Pair
from tests.support.server import ServerThread
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


async def test_concurrent_edits_converge(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    for i in range(30):
        await a.insert(0, f"a{i} ")
        await b.append(f"b{i} ")
    await a.wait_for(lambda c: c.value().count("b") == 30 and c.value().count("a") == 30)
    await b.wait_text(a.value())
    assert sorted(a.value().split()) == sorted([f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)])
    await a.close()
    await b.close()


async def test_late_joiner_gets_the_whole_text(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    for word in ["Le ", "chat ", "dort ", "au ", "soleil."]:
        await a.append(word)
    b = await server.open(pair.doc, pair.token_b)
    await b.wait_text("Le chat dort au soleil.")
    await a.close()
    await b.close()


async def test_restart_keeps_the_text(settings: Settings, pair: Pair) -> None:
    with ServerThread(settings) as first:
        a = await first.open(pair.doc, pair.token_a)
        await a.append("Il était une fois")
        b = await first.open(pair.doc, pair.token_b)
        await b.wait_text("Il était une fois")
        await a.close()
        await b.close()
    with ServerThread(settings) as second:
        c = await second.open(pair.doc, pair.token_b)
        assert c.value() == "Il était une fois"
        await c.close()


async def test_reconnecting_client_does_not_duplicate_text(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    await a.append("Bonjour")
    b = await server.open(pair.doc, pair.token_b)
    await b.wait_text("Bonjour")
    await b.close()
    # b edits offline, then comes back with the same document (as y-indexeddb would keep it).
    b.text.insert(len(b.text), " les amis")
    await a.append(" à tous")
    again = await server.open(pair.doc, pair.token_b, doc=b.doc)
    await a.wait_for(lambda c: "amis" in c.value())
    await again.wait_for(lambda c: "tous" in c.value())
    assert a.value() == again.value()
    assert a.value().count("Bonjour") == 1
    assert sorted(a.value().split()) == sorted(["Bonjour", "les", "amis", "à", "tous"])
    await a.close()
    await again.close()


async def test_awareness_is_relayed_and_removed_on_disconnect(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    b = await server.open(pair.doc, pair.token_b)
    await a.set_awareness({"user": {"name": "Léa", "color": "#e91e63"}, "cursor": 4})
    await b.wait_for(lambda c: a.doc.client_id in c.awareness)
    assert '"Léa"' in b.awareness[a.doc.client_id] or "L\\u00e9a" in b.awareness[a.doc.client_id]
    # A newcomer is told who is already there.
    reader = await server.open(pair.doc, pair.token_reader)
    await reader.wait_for(lambda c: a.doc.client_id in c.awareness)
    await a.close()
    await b.wait_for(lambda c: a.doc.client_id not in c.awareness)
    await reader.wait_for(lambda c: a.doc.client_id not in c.awareness)
    await b.close()
    await reader.close()


async def test_read_only_peer_syncs_but_cannot_write(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    await a.append("Texte des élèves")
    reader = await server.open(pair.doc, pair.token_reader)
    await reader.wait_text("Texte des élèves")
    await a.append(" suite")
    await reader.wait_text("Texte des élèves suite")
    await reader.append(" triche")
    assert await reader.wait_closed() == 4403
    # The writer never sees the refused edit, and the stored text is intact.
    await a.append(".")
    b = await server.open(pair.doc, pair.token_b)
    await b.wait_text("Texte des élèves suite.")
    assert "triche" not in a.value()
    await a.close()
    await b.close()


@pytest.mark.parametrize(
    ("token_attr", "doc_attr", "code"),
    [
        ("missing", "doc", 4401),
        ("wrong", "doc", 4401),
        ("token_outsider", "doc", 4403),
        ("token_a", "other_doc", 4403),
        ("token_a", "unknown", 4404),
    ],
)
async def test_connection_refusals(server: ServerThread, pair: Pair, token_attr: str, doc_attr: str, code: int) -> None:
    token = {"missing": None, "wrong": "not-a-token"}.get(token_attr, getattr(pair, token_attr, None))
    doc = "does-not-exist" if doc_attr == "unknown" else getattr(pair, doc_attr)
    client = await YClient.connect(server.doc_url(doc, token) if token else server.doc_url(doc))
    assert await client.wait_closed() == code
    assert not client.synced.is_set()


@pytest.mark.parametrize("doc", ["a/b", "x" * 300, "../doc-1"])
async def test_forged_document_paths_are_refused(server: ServerThread, pair: Pair, doc: str) -> None:
    client = await YClient.connect(server.doc_url(doc, pair.token_a))
    assert await client.wait_closed() == 4404


async def test_bearer_header_authenticates(server: ServerThread, pair: Pair) -> None:
    client = await YClient.connect(
        server.doc_url(pair.doc), additional_headers={"Authorization": f"Bearer {pair.token_a}"}
    )
    await client.wait_synced()
    await client.close()


async def test_locked_document_refuses_writers_and_keeps_readers(server: ServerThread, pair: Pair) -> None:
    from collab.models import DocStatus

    a = await server.open(pair.doc, pair.token_a)
    await a.append("Fini")
    reader = await server.open(pair.doc, pair.token_reader)
    await server.call(server.hub.set_status(pair.doc, DocStatus.LOCKED))
    assert await a.wait_closed() == 4409
    again = await YClient.connect(server.doc_url(pair.doc, pair.token_b))
    assert await again.wait_closed() == 4409
    assert not reader.closed.is_set()
    await reader.close()


async def test_many_rooms_open_and_unload(server: ServerThread, settings: Settings) -> None:
    from tests.support.pairs import seed_pair

    pairs = [await seed_pair(settings, doc=f"room-{i}") for i in range(5)]
    clients = [await server.open(p.doc, p.token_a) for p in pairs]
    for i, c in enumerate(clients):
        await c.append(f"texte {i}")
    hub = server.hub
    for c in clients:
        await c.close()
    with anyio.fail_after(5):
        while any(p.doc in hub.rooms for p in pairs):
            await asyncio.sleep(0.05)
    clients = [await server.open(p.doc, p.token_b) for p in pairs]
    assert [c.value() for c in clients] == [f"texte {i}" for i in range(5)]
    for c in clients:
        await c.close()


async def test_read_only_peer_reconnecting_with_known_state_is_accepted(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    await a.append("Le loup et l'agneau")
    await a.delete(0, 3)  # a deletion: every later sync step 2 carries the delete set
    reader = await server.open(pair.doc, pair.token_reader)
    await reader.wait_text("loup et l'agneau")
    await reader.close()
    # The teacher's tablet comes back with the same document: nothing new, so it stays.
    again = await server.open(pair.doc, pair.token_reader, doc=reader.doc)
    await a.append(" !")
    await again.wait_text("loup et l'agneau !")
    assert not again.closed.is_set()
    await again.close()
    await a.close()


async def test_read_only_peer_reconnecting_with_its_own_edits_is_refused(server: ServerThread, pair: Pair) -> None:
    a = await server.open(pair.doc, pair.token_a)
    await a.append("Texte")
    reader = await server.open(pair.doc, pair.token_reader)
    await reader.wait_text("Texte")
    await reader.close()
    reader.text.insert(0, "Ajout hors ligne ")  # made offline, never accepted
    again = await YClient.connect(server.doc_url(pair.doc, pair.token_reader), doc=reader.doc)
    assert await again.wait_closed() == 4403
    b = await server.open(pair.doc, pair.token_b)
    assert b.value() == "Texte"
    await a.close()
    await b.close()
