"""Cold load: a 20,000-update document (a real editing trace), reloaded after kill -9 and after compaction."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc, Text, TransactionEvent

from bench.links import Ledger, close_links, fetch_text, open_link
from bench.memory import FAST
from bench.script import utf8_offset
from bench.server import Server, loadtest_setup
from bench.stats import metric_delta
from collab.realtime.protocol import encode_update

COLDLOAD_TARGET_MS = 50.0
DEFAULT_TRACE = Path(__file__).resolve().parent.parent.parent / "shared/data/editing-traces/friendsforever_flat.json.gz"


def trace_updates(path: Path | None, count: int) -> tuple[list[bytes], str, str]:
    """Replay ``count`` transactions of an editing trace (or synthetic edits) through pycrdt.

    Returns one update frame per transaction, the expected text, and where the edits came from.
    """
    doc: Doc[Any] = Doc()
    text = doc.get("text", type=Text)
    updates: list[bytes] = []

    def capture(event: TransactionEvent) -> None:
        updates.append(encode_update(event.update))

    doc.observe(capture)
    plain = ""
    if path is not None and path.exists():
        trace = json.loads(gzip.decompress(path.read_bytes()))
        if trace["startContent"]:
            text.insert(0, trace["startContent"])
            plain = trace["startContent"]
        txns = trace["txns"][:count]
        for txn in txns:
            with doc.transaction():
                for position, deleted, inserted in txn["patches"]:
                    start = utf8_offset(plain, position)
                    if deleted:
                        end = utf8_offset(plain, position + deleted)
                        del text[start:end]
                    if inserted:
                        text.insert(start, inserted)
                    plain = plain[:position] + inserted + plain[position + deleted :]
        source = f"{path.name}: {len(txns):,} of {len(trace['txns']):,} transactions"
        if len(txns) == len(trace["txns"]) and plain != trace["endContent"]:
            raise AssertionError("replaying the whole trace does not give its endContent")
    else:
        rng = random.Random(7)
        for _ in range(count):
            if plain and rng.random() < 0.1:
                index = rng.randrange(len(plain))
                start = utf8_offset(plain, index)
                del text[start : start + len(plain[index].encode("utf-8"))]
                plain = plain[:index] + plain[index + 1 :]
            else:
                index = rng.randrange(len(plain) + 1)
                chunk = rng.choice("abcdefghijklmnopqrstuvwxyz éèà,.")
                text.insert(utf8_offset(plain, index), chunk)
                plain = plain[:index] + chunk + plain[index:]
        source = f"synthetic: {count:,} random edits (trace file not found)"
    if str(text) != plain:
        raise AssertionError("pycrdt replay and plain-text replay differ")
    return updates, plain, source


async def _measure(server: Server, row: dict[str, str], expected: str) -> dict[str, Any]:
    before = await server.metrics()
    text, seconds, size = await fetch_text(server.ws_url(row["doc"], row["token_b"]))
    after = await server.metrics()
    loads = metric_delta(before, after, "collab_room_load_seconds_count")
    load_s = metric_delta(before, after, "collab_room_load_seconds_sum")
    return {
        "client_connect_to_sync_step2_ms": round(seconds * 1000.0, 2),
        "server_load_ms": round(1000.0 * load_s / loads, 2) if loads else None,
        "rooms_loaded": int(loads),
        "state_bytes": size,
        "text_equal": text == expected,
    }


async def run_coldload(
    workdir: Path, cpu: int | None, updates: int, trace: Path | None, reloads: int, say: Callable[[str], None]
) -> dict[str, Any]:
    data = workdir / "coldload"
    data.mkdir()
    row = (await loadtest_setup(data, 1))[0]
    frames, expected, source = trace_updates(trace, updates)
    say(f"  {len(frames):,} updates from {source}; final text {len(expected):,} characters")

    # 1. Fill with compaction off; the partner receiving every frame proves each one was committed.
    server = Server(data, cpu=cpu, env={**FAST, "COLLAB_COMPACT_AFTER": "1000000000"})
    await server.start()
    try:
        ledger = Ledger()
        gate = asyncio.Semaphore(2)
        writer = await open_link(server.ws_url(row["doc"], row["token_a"]), ledger, gate)
        partner = await open_link(server.ws_url(row["doc"], row["token_b"]), ledger, gate)
        if writer is None or partner is None:
            raise RuntimeError(f"cannot connect: {dict(ledger.connect_failures)}")
        ledger.window_start = 0.0
        started = time.perf_counter()
        for frame in frames:
            ledger.partner_pending[frame] = time.perf_counter()
            await writer.send(frame)
        ledger.sending_done = True
        ledger.check_drained()
        async with asyncio.timeout(300):
            await ledger.drained.wait()
        fill_s = time.perf_counter() - started
        await close_links([writer, partner])
    finally:
        await server.kill()  # kill -9: no snapshot, the document is only in the log
    say(f"  relayed all {len(frames):,} updates in {fill_s:.1f} s; server killed with SIGKILL")

    # 2. Restart: load from the log alone (20,000 updates replayed).
    server = Server(data, cpu=cpu, env=FAST)
    await server.start()
    try:
        from_log = await _measure(server, row, expected)
    finally:
        stop_code = await server.stop()  # graceful: the hub writes the snapshot
    say(f"  after kill -9, from the log: {from_log}")

    # 3. Restart: load from the snapshot written at shutdown; then warm reloads after unload.
    server = Server(data, cpu=cpu, env={**FAST, "COLLAB_ROOM_GRACE_SECONDS": "0.2"})
    await server.start()
    try:
        from_snapshot = await _measure(server, row, expected)
        warm: list[dict[str, Any]] = []
        for _ in range(reloads):
            await server.wait_metric("collab_rooms_open", lambda v: v == 0)
            warm.append(await _measure(server, row, expected))
    finally:
        await server.stop()
    say(f"  after restart, from the snapshot: {from_snapshot}")
    warm_server = [w["server_load_ms"] for w in warm if w["server_load_ms"] is not None]
    warm_client = [w["client_connect_to_sync_step2_ms"] for w in warm]
    return {
        "updates": len(frames),
        "source": source,
        "text_chars": len(expected),
        "fill_s": round(fill_s, 2),
        "fill_updates_per_s": round(len(frames) / fill_s, 1),
        "after_kill9_from_log": from_log,
        "graceful_stop_exit_code": stop_code,
        "after_restart_from_snapshot": from_snapshot,
        "warm_reloads": len(warm),
        "warm_reload_server_ms_median": round(statistics.median(warm_server), 2) if warm_server else None,
        "warm_reload_client_ms_median": round(statistics.median(warm_client), 2) if warm_client else None,
        "warm_reload_texts_equal": all(w["text_equal"] for w in warm),
        "cold_load_ms": from_snapshot["server_load_ms"],
    }
