"""Small statistics: percentiles in milliseconds, CPU windows, metric deltas."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Mapping, Sequence

import psutil  # type: ignore[import-untyped,unused-ignore]


def percentiles_ms(samples: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max of durations in seconds, in milliseconds (nearest rank)."""
    if not samples:
        return {"p50": None, "p95": None, "p99": None, "max": None, "count": 0}
    ordered = sorted(samples)
    n = len(ordered)

    def rank(q: float) -> float:
        return round(ordered[min(n - 1, max(0, math.ceil(q * n) - 1))] * 1000.0, 2)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": round(ordered[-1] * 1000.0, 2), "count": n}


def metric_delta(before: Mapping[str, float], after: Mapping[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


class CpuWindow:
    """CPU seconds used by the server and by this generator over a wall-clock window."""

    def __init__(self, server_cpu: float) -> None:
        self._me = psutil.Process(os.getpid())
        self.wall = time.perf_counter()
        self.server = server_cpu
        times = self._me.cpu_times()
        self.generator = float(times.user + times.system)
        self.system_busy = _system_busy()

    def percent(self, server_cpu_now: float) -> dict[str, float]:
        wall = time.perf_counter() - self.wall
        times = self._me.cpu_times()
        generator_now = float(times.user + times.system)
        server = server_cpu_now - self.server
        generator = generator_now - self.generator
        others = _system_busy() - self.system_busy - server - generator
        return {
            "wall_s": round(wall, 3),
            "server_cpu_pct": round(100.0 * (server_cpu_now - self.server) / wall, 1),
            "generator_cpu_pct": round(100.0 * generator / wall, 1),
            # Anything else busy on the machine meanwhile (other processes, the kernel's softirqs):
            # a large figure means the run was disturbed.
            "other_cpu_pct": round(100.0 * max(0.0, others) / wall, 1),
        }


async def wait_for_quiet(max_other_pct: float, within: float, exclude: set[int]) -> float:
    """Wait (at most ``within`` s) until the machine's CPU use outside ``exclude`` pids is low.

    Another process busy on the server's core ruins a latency measurement; there is no
    event for "the machine is quiet", so this samples once a second. Returns the last figure.
    """
    deadline = time.monotonic() + within
    other = 0.0
    while True:
        mine = _cpu_of(exclude)
        busy = _system_busy()
        started = time.monotonic()
        await asyncio.sleep(1.0)
        wall = time.monotonic() - started
        other = 100.0 * max(0.0, (_system_busy() - busy) - (_cpu_of(exclude) - mine)) / wall
        if other <= max_other_pct or time.monotonic() >= deadline:
            return round(other, 1)


def _cpu_of(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += float(t.user + t.system)
    return total


def _system_busy() -> float:
    """CPU seconds spent not idle, all cores together."""
    t = psutil.cpu_times()
    return float(t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))
