"""The stock JavaScript client (y-websocket's WebsocketProvider under Node) against our hub."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from collab.settings import Settings
from tests.support.pairs import Pair, seed_pair
from tests.support.server import REPO, ServerThread, make_settings
from tests.support.traces import TRACES

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


TRACE = TRACES / "friendsforever_flat.json.gz"


@pytest.fixture
def replay_settings(tmp_path: Path) -> Settings:
    # Pacing above the default (so that 26,000 updates take about 13 s, not 4 minutes, well within
    # the keepalive: a backlog paced for longer than ping interval + timeout, 40 s, gets 1011):
    # the trace, sent at full speed, is still far beyond the budget and is paced all along.
    return make_settings(tmp_path / "replay", rate_per_second=2000.0, rate_burst=400, compact_after_updates=2000)


def frames_paced(server: ServerThread) -> float:
    for line in httpx.get(f"{server.http_url}/metrics").text.splitlines():
        if line.startswith("collab_frames_paced_total "):
            return float(line.split()[1])
    raise AssertionError("no collab_frames_paced_total")


async def test_stock_js_client_replaying_a_trace_at_full_speed_is_paced_not_dropped(
    node: str, replay_settings: Settings
) -> None:
    """The stock client sends a real two-person session (26,078 updates) as fast as it can: the
    server paces it (reads its socket more slowly) and never closes it; the partner and a fresh
    client end with exactly the recorded text."""
    with gzip.open(TRACE) as f:
        expected = json.load(f)["endContent"]
    pair = await seed_pair(replay_settings)
    with ServerThread(replay_settings) as server:
        partner = await server.open(pair.doc, pair.token_a)
        proc = await asyncio.create_subprocess_exec(
            node,
            str(JS / "replay.mjs"),
            f"ws://127.0.0.1:{server.port}/ws/doc",
            pair.doc,
            pair.token_b,
            str(TRACE),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=JS,
        )
        try:
            assert (await read_event(proc))["event"] == "synced"
            with anyio.fail_after(120):
                sent = await read_event_until(proc, "sent")
            assert sent["text"] == expected
            await partner.wait_text(expected, seconds=120)
            fresh = await server.open(pair.doc, pair.token_reader)
            await fresh.wait_text(expected, seconds=20)
            assert frames_paced(server) > 0  # it really went beyond its budget
            assert proc.stdin is not None
            proc.stdin.close()
            rest = await asyncio.wait_for(proc.stdout.read() if proc.stdout else asyncio.sleep(0), 10)
            assert b"closed" not in (rest or b""), rest  # never closed by the server (no 4429)
            assert await asyncio.wait_for(proc.wait(), 10) == 0
            await fresh.close()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await partner.close()


async def read_event_until(proc: asyncio.subprocess.Process, wanted: str) -> dict[str, Any]:
    while True:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        assert line, "the Node client exited early"
        event: dict[str, Any] = json.loads(line)
        assert event["event"] != "closed", event
        if event["event"] == wanted:
            return event
