"""WebSocket upgrades from another site's pages are refused with 4403 before anything else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from collab.settings import Settings, from_env
from collab.web.origins import origin_allowed
from tests.support.pairs import Pair
from tests.support.server import ServerThread, make_settings
from tests.support.web import DemoSchool, browser, sign_in_as
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio

PUBLIC = "https://binome.ecole-jean-mace.fr"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", public_url=PUBLIC, allowed_origins=("https://ent.example.fr",))


@pytest.fixture
def running(settings: Settings, pair: Pair) -> Iterator[ServerThread]:
    with ServerThread(settings) as server:
        yield server


async def _first_event(url: str, origin: str | None, **kwargs: object) -> int | bytes:
    """The socket's first frame, or its close code if it is closed first."""
    with anyio.fail_after(10):
        async with connect(url, origin=Origin(origin) if origin else None, **kwargs) as ws:  # type: ignore[arg-type]
            try:
                message = await ws.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                return closed.rcvd.code
            return message if isinstance(message, bytes) else message.encode()


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "https://127.0.0.1.evil.example", "null", "http://127.0.0.1:1", "garbage"]
)
async def test_a_foreign_page_gets_4403_before_anything(running: ServerThread, pair: Pair, origin: str) -> None:
    assert await _first_event(running.doc_url(pair.doc, pair.token_a), origin) == 4403


@pytest.mark.parametrize("origin", ["same host", PUBLIC, "https://ent.example.fr", None])
async def test_our_own_pages_and_clients_without_origin_connect(
    running: ServerThread, pair: Pair, origin: str | None
) -> None:
    if origin == "same host":
        origin = f"http://127.0.0.1:{running.port}"
    headers = {"Origin": origin} if origin else {}
    client = await YClient.connect(running.doc_url(pair.doc, pair.token_a), additional_headers=headers)
    await client.wait_synced()
    await client.close()


async def test_the_dashboard_socket_checks_the_origin_too(
    settings: Settings, school: DemoSchool, server: ServerThread
) -> None:
    def teacher_cookie() -> str:
        with browser(settings) as client:
            return sign_in_as(client, "teacher", school)

    cookie = await anyio.to_thread.run_sync(teacher_cookie)
    url = f"ws://127.0.0.1:{server.port}/ws/tableau/{school.dictation_task_id}"
    headers = {"Cookie": f"binome_session={cookie}"}
    assert await _first_event(url, "http://evil.example", additional_headers=headers) == 4403
    first = await _first_event(url, f"http://127.0.0.1:{server.port}", additional_headers=headers)
    assert isinstance(first, bytes) and b"pairs" in first


def test_settings_from_the_environment() -> None:
    settings = from_env({"COLLAB_PUBLIC_URL": PUBLIC + "/", "COLLAB_ALLOWED_ORIGINS": "https://a.fr, https://b.fr"})
    assert settings.allowed_origins == ("https://a.fr", "https://b.fr")
    scope = {"type": "websocket", "headers": [(b"origin", b"https://binome.ecole-jean-mace.fr"), (b"host", b"x")]}
    assert origin_allowed(scope, settings)
    assert not origin_allowed({**scope, "headers": [(b"origin", b"https://c.fr")]}, settings)
