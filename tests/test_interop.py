"""The stock JavaScript client (y-websocket's WebsocketProvider under Node) against our hub."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import pytest

from tests.conftest import REPO, Pair, ServerThread

pytestmark = pytest.mark.anyio

JS = REPO / "tests" / "js"


def node_available() -> bool:
    return shutil.which("node") is not None and (JS / "node_modules" / "y-websocket").is_dir()


@pytest.fixture
def node() -> str:
    if not node_available():
        pytest.fail("Node and tests/js/node_modules are required: run `make js-deps` (make test does)")
    path = shutil.which("node")
    assert path is not None
    return path


async def start_js_client(node: str, server: ServerThread, doc: str, token: str) -> asyncio.subprocess.Process:
    """interop.mjs: the stock WebsocketProvider opening ``doc`` with ``token``."""
    return await asyncio.create_subprocess_exec(
        node,
        str(JS / "interop.mjs"),
        f"ws://127.0.0.1:{server.port}/ws/doc",
        doc,
        token,
        stdout=asyncio.subprocess.PIPE,
        cwd=JS,
    )


async def read_event(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert line, "the Node client exited early"
    event: dict[str, Any] = json.loads(line)
    return event


async def test_stock_js_client_edits_with_a_python_client(node: str, server: ServerThread, pair: Pair) -> None:
    python = await server.open(pair.doc, pair.token_a)
    await python.append("Bonjour de Python. ")
    await python.set_awareness({"user": {"name": "Léa"}})

    proc = await start_js_client(node, server, pair.doc, pair.token_b)
    try:
        synced = await read_event(proc)
        assert synced == {"event": "synced", "text": "Bonjour de Python. "}
        await python.wait_text("Bonjour de Python. Salut de Node ! ")
        # The JS client's awareness (with a non-ASCII name) reaches Python...
        await python.wait_for(lambda c: any("Zo" in s for s in c.awareness.values()))
        # ...and a newcomer gets it from the server's own encoding of the states.
        late = await server.open(pair.doc, pair.token_reader)
        await late.wait_for(
            lambda c: any(json.loads(s).get("user", {}).get("name") == "Zoé" for s in c.awareness.values())
        )
        await python.append("Fin.")
        done = await read_event(proc)
        assert done["event"] == "done"
        assert done["text"] == "Bonjour de Python. Salut de Node ! Fin."
        assert {"user": {"name": "Léa"}} in done["others"]
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        # The JS client left: its cursor disappears (no ghost).
        await python.wait_for(lambda c: not any("Zo" in s for s in c.awareness.values()))
        await late.close()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    await python.close()


async def test_stock_js_client_stops_on_refusal(node: str, server: ServerThread, pair: Pair) -> None:
    proc = await start_js_client(node, server, pair.doc, pair.token_outsider)
    try:
        event = await read_event(proc)
        assert event == {"event": "refused", "text": "", "code": 4403}
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
