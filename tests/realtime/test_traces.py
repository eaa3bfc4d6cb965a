"""Replay a real two-person editing session (keystroke by keystroke) through the hub."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from collab.settings import Settings
from tests.support.pairs import Pair, seed_pair
from tests.support.server import ServerThread, make_settings
from tests.support.traces import TRACES
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


def load_trace() -> tuple[dict[str, Any], list[int]]:
    with gzip.open(TRACES / "friendsforever_flat.json.gz") as f:
        flat = json.load(f)
    with gzip.open(TRACES / "friendsforever.json.gz") as f:
        agents = [txn["agent"] for txn in json.load(f)["txns"]]
    return flat, agents


def apply_txn(client: YClient, patches: list[list[Any]]) -> None:
    with client.doc.transaction():
        for position, deleted, inserted in patches:
            if deleted:
                del client.text[position : position + deleted]
            if inserted:
                client.text.insert(position, inserted)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The recording has bursts far above a child's typing speed: lift the rate limit.
    return make_settings(tmp_path / "data", rate_per_second=1e6, rate_burst=1_000_000, compact_after_updates=2000)


async def test_replaying_a_real_session_gives_the_recorded_text(settings: Settings) -> None:
    flat, agents = load_trace()
    pair: Pair = await seed_pair(settings)
    with ServerThread(settings) as server:
        clients = [await server.open(pair.doc, pair.token_a), await server.open(pair.doc, pair.token_b)]
        current = 0
        for txn, agent in zip(flat["txns"], agents, strict=True):
            if agent != current:
                # The flat trace's positions assume the writer has seen everything before.
                await clients[current].flush()
                await clients[agent].wait_text(clients[current].value(), seconds=20)
                current = agent
            apply_txn(clients[agent], txn["patches"])
            if len(clients[agent]._outgoing) >= 64:
                await clients[agent].flush()
        await clients[current].flush()
        expected = flat["endContent"]
        assert clients[current].value() == expected
        await clients[1 - current].wait_text(expected, seconds=30)
        for c in clients:
            await c.close()
    # After shutdown (snapshot written) and a restart, the text is exactly the recording's.
    with ServerThread(settings) as restarted:
        fresh = await YClient.connect(restarted.doc_url(pair.doc, pair.token_b))
        await fresh.wait_text(expected, seconds=10)
        await fresh.close()
