"""The dashboards phase: classes of 15 pairs typing, with and without one teacher's dashboard per
class (the class feed, /ws/tableau/{task}); reports the feed latency and the server CPU that the
dashboards add. Feed latency = when a dashboard receives a pair's card − when the server accepted
that pair's last edit (the card's ``last_edit``): the same machine's clock on both sides."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.cluster import Cluster
from bench.load import LoadConfig, run_load
from bench.server import HOST, Server, loadtest_setup
from bench.stats import percentiles_ms
from collab.demo.seeding import PAIRS_PER_OBSERVER as PAIRS_PER_CLASS  # a load-test class: one observer

#: dashboards may add at most this much to the server's CPU (% of what it uses without them)
CPU_ADDED_TARGET_PCT = 10.0


class Dashboards:
    """One feed socket per class, read by this process; latencies kept inside the window."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.latencies: list[float] = []
        self.messages = 0
        self.cards = 0
        self.window = (float("inf"), float("inf"))  # wall-clock times
        self.failures = 0
        self._seen: dict[str, float] = {}  # doc -> the last edit time already counted

    async def open(self, server: Server, rows: Sequence[dict[str, Any]]) -> None:
        tasks = {int(row["task"]): row["token_teacher"] for row in rows}
        for task, token in tasks.items():
            try:
                ws = await connect(f"ws://{HOST}:{server.port}/ws/tableau/{task}?token={token}", max_size=None)
            except (OSError, ConnectionClosed):
                self.failures += 1
                continue
            self.sockets.append(ws)
            self.readers.append(asyncio.get_running_loop().create_task(self._read(ws)))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                received = time.time()
                message = json.loads(raw)
                start, end = self.window
                if message["type"] != "update" or not start <= received < end:
                    continue
                self.messages += 1
                for card in message["pairs"]:
                    self.cards += 1
                    edit = card.get("last_edit")
                    if edit is not None and self._seen.get(card["doc"]) != edit:  # a card with a new edit
                        self._seen[card["doc"]] = edit
                        self.latencies.append(received - edit)

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for reader in self.readers:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def run_dashboards(
    workdir: Path,
    cpu: int | None,
    base: LoadConfig,
    classes: int,
    say: Callable[[str], None],
    profile: Path | None = None,
    rounds: int = 3,
) -> dict[str, Any]:
    data = workdir / "dashboards"
    data.mkdir()
    pairs = classes * PAIRS_PER_CLASS
    rows = await loadtest_setup(data, pairs)
    config = replace(base, pairs=pairs, observers=False, profile=None)
    server = Server(data, cpu=cpu)
    await server.start()
    cluster = Cluster([server])
    withouts: list[dict[str, Any]] = []
    withs: list[dict[str, Any]] = []
    screens = Dashboards()
    try:
        # Alternate runs without and with dashboards: the CPU of one run varies by a few points
        # from run to run on a shared machine, more than the dashboards cost.
        for round_number in range(1, rounds + 1):
            say(
                f"  round {round_number}/{rounds} without dashboards: {classes} classes × {PAIRS_PER_CLASS} pairs "
                f"at {config.rate:g}/s"
            )
            withouts.append(await run_load(cluster, rows, config, say))
            await cluster.wait_idle()
            say(f"  round {round_number}/{rounds} with one dashboard per class ({classes} feeds)")
            screens = Dashboards()
            await screens.open(server, rows)
            # measured from the end of the warm-up (the pupils' connections take about a second more)
            screens.window = (time.time() + config.warmup, float("inf"))
            last = round_number == rounds
            try:
                withs.append(await run_load(cluster, rows, replace(config, profile=profile if last else None), say))
            finally:
                measured = time.time() - screens.window[0]
                await screens.close()
            await cluster.wait_idle()
    finally:
        await server.stop()
    base_cpu = round(sum(r["server_cpu_pct"] for r in withouts) / rounds, 1)
    cpu_with = round(sum(r["server_cpu_pct"] for r in withs) / rounds, 1)
    added = round(100.0 * (cpu_with - base_cpu) / base_cpu, 1) if base_cpu else None
    errors = sum(r["errors_total"] for r in [*withouts, *withs])
    # Cross-check, free of run-to-run noise: the CPU the server counted in its feeds, against the
    # rest of its CPU in the same runs.
    feed_cpu = sum(r["feed_cpu_s"] for r in withs)
    rest_cpu = sum(r["server_cpu_s"] for r in withs) - feed_cpu
    feed_added = round(100.0 * feed_cpu / rest_cpu, 1) if rest_cpu > 0 else None
    without, with_dashboards = withouts[-1], withs[-1]
    return {
        "classes": classes,
        "pairs": pairs,
        "rate_per_s": config.rate,
        "duration_s": config.duration,
        "dashboards": len(screens.sockets),
        "dashboard_connect_failures": screens.failures,
        "feed_messages_per_s": round(screens.messages / measured, 1),
        "feed_cards_per_s": round(screens.cards / measured, 1),
        "feed_latency_ms": percentiles_ms(screens.latencies),
        "server_cpu_pct_without": base_cpu,
        "server_cpu_pct_with": cpu_with,
        "cpu_added_pct": added,
        "feed_cpu_added_pct": feed_added,
        "latency_partner_ms_without": without["latency_partner_ms"],
        "latency_partner_ms_with": with_dashboards["latency_partner_ms"],
        "rounds": rounds,
        "server_cpu_pct_each_run": {
            "without": [r["server_cpu_pct"] for r in withouts],
            "with": [r["server_cpu_pct"] for r in withs],
        },
        # where the difference goes: the event loop (feeds run there) or the SQLite thread
        "server_loop_thread_cpu_pct_each_run": {
            "without": [r["server_loop_thread_cpu_pct"] for r in withouts],
            "with": [r["server_loop_thread_cpu_pct"] for r in withs],
        },
        "server_other_threads_cpu_pct_each_run": {
            "without": [r["server_other_threads_cpu_pct"] for r in withouts],
            "with": [r["server_other_threads_cpu_pct"] for r in withs],
        },
        "errors_total": errors,
        "disturbed": any(r["disturbed"] for r in [*withouts, *withs]),
        "server_profile_with": with_dashboards.get("server_profile"),
        # The target is what the server's CPU gains (alternating runs); the feeds' own count is
        # an upper bound (it also holds the garbage collections their allocations set off).
        "held": added is not None and added < CPU_ADDED_TARGET_PCT and errors == 0,
    }
