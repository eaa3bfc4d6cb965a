"""The memory census: server RSS with M open rooms holding a 2 KB text, per connection, after unload."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.links import SYNC_STEP1_EMPTY, Ledger, Link, close_links, fetch_text, open_link
from bench.script import build_typing_history
from bench.server import Server, loadtest_setup

ROOM_TARGET_KB = 40.0
KB = 1024.0
FAST = {"COLLAB_RATE_PER_SECOND": "1000000", "COLLAB_RATE_BURST": "1000000"}


async def _type_history(link: Link, frames: Sequence[bytes]) -> None:
    """Send a whole typing history, then wait until the server says it is durable (sync step 2)."""
    for frame in frames:
        await link.send(frame)
    link.synced.clear()
    await link.send(SYNC_STEP1_EMPTY)  # answered only once every update before it is committed
    await link.synced.wait()


async def fill(server: Server, rows: Sequence[dict[str, str]], chars: int, say: Callable[[str], None]) -> list[str]:
    histories = [build_typing_history(chars, seed=i) for i in range(len(rows))]
    ledger = Ledger()
    gate = asyncio.Semaphore(50)
    started = time.perf_counter()

    async def one(row: dict[str, str], frames: Sequence[bytes]) -> None:
        link = await open_link(server.ws_url(row["doc"], row["token_a"]), ledger, gate)
        if link is None:
            raise RuntimeError(f"cannot open {row['doc']}: {dict(ledger.connect_failures)}")
        try:
            async with gate:
                await _type_history(link, frames)
        finally:
            await link.close()

    await asyncio.gather(*(one(row, frames) for row, (frames, _) in zip(rows, histories, strict=True)))
    updates = sum(len(frames) for frames, _ in histories)
    seconds = time.perf_counter() - started
    say(f"  typed {updates:,} updates into {len(rows)} documents in {seconds:.1f} s ({updates / seconds:,.0f}/s)")
    return [text for _, text in histories]


async def _open_all(server: Server, rows: Sequence[dict[str, str]], key: str, ledger: Ledger) -> list[Link | None]:
    gate = asyncio.Semaphore(100)
    return list(await asyncio.gather(*(open_link(server.ws_url(r["doc"], r[key]), ledger, gate) for r in rows)))


async def _settle_rss(server: Server) -> int:
    """RSS once it stops moving (three readings 0.2 s apart within 64 KB), at most 3 s."""
    readings = [server.rss()]
    for _ in range(15):
        await asyncio.sleep(0.2)
        readings.append(server.rss())
        if len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) < 64 * 1024:
            break
    return readings[-1]


async def run_memory(
    workdir: Path, cpu: int | None, rooms: int, chars: int, cycles: int, say: Callable[[str], None]
) -> dict[str, Any]:
    data = workdir / "memory"
    data.mkdir()
    rows = await loadtest_setup(data, rooms + 1)
    room_rows, spare = rows[:rooms], rows[rooms]
    env = {**FAST, "COLLAB_ROOM_GRACE_SECONDS": "2"}

    server = Server(data, cpu=cpu, env=env)
    await server.start()
    try:
        texts = await fill(server, room_rows, chars, say)
    finally:
        await server.stop()

    server = Server(data, cpu=cpu, env=env)
    await server.start()
    try:
        # Warm the code paths (imports, first room) on a spare document, then take the baseline.
        await fetch_text(server.ws_url(spare["doc"], spare["token_a"]))
        await server.wait_metric("collab_rooms_open", lambda v: v == 0)
        baseline = await _settle_rss(server)
        cycle_results: list[dict[str, Any]] = []
        start_rss = baseline
        for cycle in range(cycles):
            if cycle:
                start_rss = await _settle_rss(server)
            ledger = Ledger()
            first = await _open_all(server, room_rows, "token_a", ledger)
            rooms_open = (await server.metrics()).get("collab_rooms_open", 0.0)
            rss_one = await _settle_rss(server)
            second = await _open_all(server, room_rows, "token_b", ledger)
            rss_two = await _settle_rss(server)
            sample = range(0, rooms, max(1, rooms // 5))
            checks = [
                (await fetch_text(server.ws_url(room_rows[i]["doc"], room_rows[i]["token_a"])))[0] == texts[i]
                for i in sample
            ]
            await close_links([*first, *second])
            await server.wait_metric("collab_connections", lambda v: v == 0)
            unload_started = time.perf_counter()
            await server.wait_metric("collab_rooms_open", lambda v: v == 0, within=120)
            unload_s = time.perf_counter() - unload_started
            # The hub hands freed memory back to the OS 2 s after the last unload.
            await asyncio.sleep(3)
            rss_after = await _settle_rss(server)
            failures = sum(ledger.connect_failures.values()) + sum(ledger.unexpected_closes.values())
            per_room = (rss_one - start_rss) / rooms / KB
            per_conn = (rss_two - rss_one) / rooms / KB
            grown = rss_two - start_rss
            cycle_results.append(
                {
                    "cycle": cycle + 1,
                    "rooms_open": int(rooms_open),
                    "rss_start_mb": round(start_rss / 2**20, 1),
                    "rss_open_1conn_mb": round(rss_one / 2**20, 1),
                    "rss_open_2conn_mb": round(rss_two / 2**20, 1),
                    "rss_after_unload_mb": round(rss_after / 2**20, 1),
                    "kb_per_room_with_1_connection": round(per_room, 1),
                    "kb_per_extra_connection": round(per_conn, 1),
                    "kb_per_room_without_connection": round(per_room - per_conn, 1),
                    "unload_s": round(unload_s, 1),
                    "returned_pct": round(100.0 * (rss_two - rss_after) / grown, 1) if grown > 0 else None,
                    "texts_checked": len(checks),
                    "texts_equal": all(checks),
                    "connection_errors": failures,
                }
            )
            say(f"  cycle {cycle + 1}: {cycle_results[-1]}")
    finally:
        await server.stop()
    first_cycle = cycle_results[0]
    last_cycle = cycle_results[-1]
    return {
        "rooms": rooms,
        "text_chars": chars,
        "updates_per_doc": "1-3 characters per update, 5 % backspaces",
        "baseline_rss_mb": round(baseline / 2**20, 1),
        "cycles": cycle_results,
        "kb_per_room": first_cycle["kb_per_room_with_1_connection"],
        "kb_per_room_without_connection": first_cycle["kb_per_room_without_connection"],
        "kb_per_connection": first_cycle["kb_per_extra_connection"],
        "returned_pct": first_cycle["returned_pct"],
        "returned_pct_last_cycle": last_cycle["returned_pct"],
        "growth_across_cycles_mb": round(last_cycle["rss_after_unload_mb"] - first_cycle["rss_after_unload_mb"], 1),
    }
