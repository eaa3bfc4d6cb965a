"""HTTP endpoints: the document list, liveness and metrics."""

from __future__ import annotations

import httpx
import pytest

from collab.models import DocStatus
from tests.support.pairs import Pair
from tests.support.server import ServerThread

pytestmark = pytest.mark.anyio


async def test_docs_lists_what_the_caller_may_open(http: httpx.AsyncClient, pair: Pair, server: ServerThread) -> None:
    writer = await http.get("/api/docs", headers={"Authorization": f"Bearer {pair.token_a}"})
    assert writer.json() == [{"id": pair.doc, "title": "Dictée", "access": "write"}]
    reader = await http.get("/api/docs", params={"token": pair.token_reader})
    assert reader.json() == [{"id": pair.doc, "title": "Dictée", "access": "read"}]
    outsider = await http.get("/api/docs", params={"token": pair.token_outsider})
    assert [d["id"] for d in outsider.json()] == [pair.other_doc]
    # A locked document can no longer be opened by its writers; readers still read it.
    await server.call(server.hub.set_status(pair.doc, DocStatus.LOCKED))
    assert (await http.get("/api/docs", params={"token": pair.token_a})).json() == []
    assert (await http.get("/api/docs", params={"token": pair.token_reader})).json()[0]["access"] == "read"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
async def test_docs_requires_a_valid_token(http: httpx.AsyncClient, pair: Pair, headers: dict[str, str]) -> None:
    response = await http.get("/api/docs", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Il faut d'abord se connecter."


async def test_healthz_and_metrics(http: httpx.AsyncClient) -> None:
    health = await http.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    for name in (
        "collab_rooms_open",
        "collab_connections",
        "collab_updates_received_total",
        "collab_updates_relayed_total",
        "collab_commit_seconds_bucket",
        "collab_send_queue_depth",
        'collab_refused_frames_total{reason="bad_message"}',
    ):
        assert name in metrics.text


async def test_home_page_is_french(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "0 texte ouvert" in page.text


async def test_unknown_page_answers_in_french(http: httpx.AsyncClient) -> None:
    response = await http.get("/nulle-part")
    assert response.status_code == 404
    assert response.json()["error"] == "Cette page n'existe pas."
