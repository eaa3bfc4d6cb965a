"""The load phase (P pairs typing, optional observers) and the ramp that repeats it."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

from bench import profile as profiling
from bench import sizing
from bench.cluster import Cluster
from bench.links import Ledger, Link, client_wire, close_links, open_link
from bench.script import Send, build_pair
from bench.server import RssSampler
from bench.stats import CpuWindow, metric_delta, percentiles_ms, wait_for_quiet

LATENCY_TARGET_MS = 50.0
#: other processes' CPU (% of one core) above which a run is flagged as disturbed
QUIET_PCT = 5.0
DISTURBED_PCT = 10.0


@dataclass(frozen=True)
class LoadConfig:
    pairs: int
    rate: float
    duration: float
    warmup: float
    observers: bool
    seed: int = 1
    drain_timeout: float = 10.0
    #: before the run, wait up to this many seconds for other processes to leave the CPUs alone
    quiet_wait: float = 60.0
    connect_concurrency: int = 100
    #: write a py-spy profile of the server over the measured window to this file
    profile: Path | None = None


#: (seconds from the start, connection index, payload as relayed, masked client frame, is an update)
Event = tuple[float, int, bytes, bytes, bool]


def precompute(rows: Sequence[dict[str, str]], config: LoadConfig) -> list[Event]:
    total = config.warmup + config.duration
    sends: list[Send] = []
    for i in range(len(rows)):
        sends.extend(build_pair(i, 2 * i, 2 * i + 1, rate=config.rate, total_seconds=total, seed=config.seed))
    sends.sort(key=itemgetter(0))
    return [(at, conn, payload, client_wire(payload), is_update) for at, conn, payload, is_update in sends]


@dataclass
class PlayResult:
    lags: list[float]
    updates_in_window: int
    awareness_in_window: int
    updates_total: int


async def play(events: Sequence[Event], links: Sequence[Link | None], ledger: Ledger, start: float) -> PlayResult:
    """Write every precomputed frame at its time; record the send time of each update frame.

    Each frame is one ``transport.write`` (one send syscall, as a browser's ``ws.send``);
    it never waits for the socket, as a browser's ``bufferedAmount`` simply grows.
    """
    clock = time.perf_counter
    partner, observer = ledger.partner_pending, ledger.observer_pending
    window_start, window_end = ledger.window_start, ledger.window_end
    result = PlayResult([], 0, 0, 0)
    lags = result.lags
    i, n = 0, len(events)
    while i < n:
        delay = start + events[i][0] - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        now = clock()
        while i < n:
            at, conn, frame, wire, is_update = events[i]
            due = start + at
            if due > now:
                break
            i += 1
            link = links[conn]
            if link is None or link.dead:
                ledger.skipped_sends += 1
                continue
            sent = clock()
            if is_update:
                partner[frame] = sent
                if link.has_observer:
                    observer[frame] = sent
            link.write_wire(wire)
            lags.append(sent - due)
            in_window = window_start <= sent < window_end
            if is_update:
                result.updates_total += 1
                result.updates_in_window += in_window
            else:
                result.awareness_in_window += in_window
    return result


async def _cpu_over_window(cluster: Cluster, ledger: Ledger, profile: Path | None) -> dict[str, Any]:
    """The CPU of each part of the server side (workers, PostgreSQL, Redis), of the generator and of
    anything else, over the measured window."""
    await asyncio.sleep(max(0.0, ledger.window_start - time.perf_counter()))
    parts_before = cluster.cpu_parts()
    window = CpuWindow(sum(parts_before.values()))
    loop_before, other_before = cluster.loop_and_other_threads()
    recording = None
    first = cluster.first.ps
    if profile is not None and first is not None:
        seconds = ledger.window_end - ledger.window_start
        recording = asyncio.get_running_loop().create_task(profiling.record(first.pid, seconds, profile))
    await asyncio.sleep(max(0.0, ledger.window_end - time.perf_counter()))
    parts_after = cluster.cpu_parts()
    out: dict[str, Any] = dict(window.percent(sum(parts_after.values())))
    loop_after, other_after = cluster.loop_and_other_threads()
    wall = out["wall_s"]
    out["cpu_parts_s"] = {name: round(parts_after[name] - parts_before[name], 4) for name in parts_after}
    out["server_loop_thread_cpu_pct"] = round(100.0 * (loop_after - loop_before) / wall, 1)
    out["server_other_threads_cpu_pct"] = round(100.0 * (other_after - other_before) / wall, 1)
    if recording is not None:
        recorded = await recording
        out["profile"] = profiling.summarise(recorded) if recorded is not None else None
    return out


def _server_figures(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, Any]:
    commits = metric_delta(before, after, "collab_commit_seconds_count")
    commit_time = metric_delta(before, after, "collab_commit_seconds_sum")
    batched = metric_delta(before, after, "collab_commit_batch_updates_sum")
    refused = {
        key.split('"')[1]: int(metric_delta(before, after, key))
        for key in after
        if key.startswith("collab_refused_frames_total{") and metric_delta(before, after, key) > 0
    }
    return {
        "updates_accepted": int(metric_delta(before, after, "collab_updates_received_total")),
        "updates_relayed": int(metric_delta(before, after, "collab_updates_relayed_total")),
        "awareness_relayed": int(metric_delta(before, after, "collab_awareness_relayed_total")),
        "group_commits": int(commits),
        "group_commits_per_s": round(commits / seconds, 1) if seconds > 0 else None,
        "avg_commit_batch": round(batched / commits, 1) if commits else None,
        "avg_commit_ms": round(1000.0 * commit_time / commits, 3) if commits else None,
        "refused_frames": refused,
        "connections_gauge": int(after.get("collab_connections", 0)),
        "rooms_open_gauge": int(after.get("collab_rooms_open", 0)),
    }


async def run_load(
    cluster: Cluster, rows: Sequence[dict[str, str]], config: LoadConfig, say: Callable[[str], None]
) -> dict[str, Any]:
    rows = rows[: config.pairs]
    if len(rows) < config.pairs:
        raise ValueError(f"only {len(rows)} load-test pairs for {config.pairs} requested")
    log_marks = cluster.log_marks()

    started = time.perf_counter()
    events = precompute(rows, config)
    precompute_s = time.perf_counter() - started
    say(f"  precomputed {len(events):,} frames for {config.pairs} pairs in {precompute_s:.1f} s")

    if config.quiet_wait > 0:
        other = await wait_for_quiet(QUIET_PCT, config.quiet_wait, {os.getpid(), *cluster.worker_pids()})
        if other > QUIET_PCT:
            say(f"  warning: {other} % CPU used by other processes; measuring anyway")

    ledger = Ledger()
    gate = asyncio.Semaphore(config.connect_concurrency)
    started = time.perf_counter()
    writers = await asyncio.gather(
        *(
            open_link(cluster.ws_url(i, key, row["doc"], row[key]), ledger, gate)
            for i, row in enumerate(rows)
            for key in ("token_a", "token_b")
        )
    )
    observers: list[Link | None] = []
    if config.observers:
        observers = list(
            await asyncio.gather(
                *(
                    open_link(
                        cluster.ws_url(i, "token_observer", row["doc"], row["token_observer"]),
                        ledger,
                        gate,
                        observer=True,
                    )
                    for i, row in enumerate(rows)
                )
            )
        )
        for i, watcher in enumerate(observers):
            for link in writers[2 * i : 2 * i + 2]:
                if link is not None and watcher is not None:
                    link.has_observer = True
    connect_s = time.perf_counter() - started
    connected = sum(link is not None for link in [*writers, *observers])
    say(
        f"  {connected} connections open in {connect_s:.1f} s; "
        f"running {config.warmup:g} s warm-up + {config.duration:g} s"
    )

    # A full collection over the precomputed frames would stall the loop for tens of ms:
    # park everything allocated so far outside the collector and pause it while timing.
    gc.collect()
    gc.freeze()
    gc.disable()
    before = await cluster.metrics()
    cpu_before = _workers_cpu(cluster)
    sampler = RssSampler(cluster)
    sampler.start()
    start = time.perf_counter() + 0.5
    ledger.window_start = start + config.warmup
    ledger.window_end = ledger.window_start + config.duration
    cpu_task = asyncio.get_running_loop().create_task(_cpu_over_window(cluster, ledger, config.profile))
    played = await play(events, writers, ledger, start)
    ledger.sending_done = True
    ledger.check_drained()
    drain_started = time.perf_counter()
    try:
        async with asyncio.timeout(config.drain_timeout):
            await ledger.drained.wait()
    except TimeoutError:
        pass
    drain_s = time.perf_counter() - drain_started
    cpu = await cpu_task
    gc.enable()
    gc.unfreeze()
    after = await cluster.metrics()
    cpu_used = _workers_cpu(cluster) - cpu_before
    peak_rss = await sampler.stop()
    await close_links([*writers, *observers])

    lost_partner = len(ledger.partner_pending)
    lost_observer = len(ledger.observer_pending)
    errors = {
        "connect_failures": dict(ledger.connect_failures),
        "unexpected_closes": {str(code): n for code, n in ledger.unexpected_closes.items()},
        "never_received_by_partner": lost_partner,
        "never_received_by_observer": lost_observer,
    }
    errors_total = (
        sum(ledger.connect_failures.values()) + sum(ledger.unexpected_closes.values()) + lost_partner + lost_observer
    )
    partner = percentiles_ms(ledger.partner_latency)
    p99 = partner["p99"]
    warnings = [line for line in cluster.log_lines_since(log_marks) if "WARNING" in line or "ERROR" in line]
    per_keystroke = sizing.cpu_per_keystroke_us(cpu["cpu_parts_s"], played.updates_in_window)
    keystrokes_per_pair = played.updates_in_window / config.duration / config.pairs
    result: dict[str, Any] = {
        "pairs": config.pairs,
        "rate_per_s": config.rate,
        "duration_s": config.duration,
        "warmup_s": config.warmup,
        "observers": config.observers,
        "connections": connected,
        "precompute_s": round(precompute_s, 2),
        "connect_s": round(connect_s, 2),
        "updates_sent": played.updates_in_window,
        "updates_sent_per_s": round(played.updates_in_window / config.duration, 1),
        "awareness_sent_per_s": round(played.awareness_in_window / config.duration, 1),
        "updates_received": ledger.updates_received_in_window,
        "updates_received_per_s": round(ledger.updates_received_in_window / config.duration, 1),
        "latency_partner_ms": partner,
        "latency_observer_ms": percentiles_ms(ledger.observer_latency) if config.observers else None,
        "errors": errors,
        "errors_total": errors_total,
        "drain_s": round(drain_s, 2),
        "skipped_sends": ledger.skipped_sends,
        "server_cpu_pct": cpu["server_cpu_pct"],
        "cpu_parts_pct": {name: round(100.0 * s / cpu["wall_s"], 1) for name, s in cpu["cpu_parts_s"].items()},
        "cpu_per_keystroke_us": per_keystroke,
        "keystrokes_per_pair_per_s": round(keystrokes_per_pair, 3),
        "pairs_per_core": sizing.pairs_per_core(per_keystroke["total"], keystrokes_per_pair),
        "server_loop_thread_cpu_pct": cpu["server_loop_thread_cpu_pct"],
        "server_other_threads_cpu_pct": cpu["server_other_threads_cpu_pct"],
        "generator_cpu_pct": cpu["generator_cpu_pct"],
        "other_cpu_pct": cpu["other_cpu_pct"],
        "disturbed": cpu["other_cpu_pct"] > DISTURBED_PCT,
        "server_peak_rss_mb": round(peak_rss / 2**20, 1),
        "send_lag_ms": percentiles_ms(played.lags),
        "server": _server_figures(before, after, config.duration + config.warmup),
        # the workers' CPU from before the warm-up to after the drain, and the server's own count of
        # the CPU its dashboards' feeds used, over the same span
        "server_cpu_s": round(cpu_used, 3),
        "feed_cpu_s": round(metric_delta(before, after, "collab_feed_cpu_seconds_total"), 3),
        "server_log_warnings": len(warnings),
        "server_log_sample": warnings[:5],
        "server_profile": cpu.get("profile"),
        "held": p99 is not None and p99 < LATENCY_TARGET_MS and errors_total == 0,
    }
    server_cores = 1 if cluster.first.cpu is not None else (os.cpu_count() or 1)
    result["limited_by"] = sizing.limited_by(
        result["server_cpu_pct"],
        server_cores,
        result["generator_cpu_pct"],
        result["other_cpu_pct"],
        result["held"],
        errors_total,
    )
    return result


def _workers_cpu(cluster: Cluster) -> float:
    return sum(worker.cpu_seconds() for worker in cluster.workers)


async def run_ramp(
    cluster: Cluster,
    rows: Sequence[dict[str, str]],
    steps: Sequence[int],
    base: LoadConfig,
    say: Callable[[str], None],
    *,
    stop_at_first_miss: bool = True,
) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    best: int | None = None
    for pairs in steps:
        say(f"ramp step: {pairs} pairs")
        profile = base.profile.with_name(f"{base.profile.stem}-{pairs}{base.profile.suffix}") if base.profile else None
        config = replace(base, pairs=pairs, profile=profile)
        result = await run_load(cluster, rows, config, say)
        results.append(result)
        say("  " + one_line(result))
        if result["held"]:
            best = pairs if best is None else max(best, pairs)
        await cluster.wait_idle()
        if not result["held"] and stop_at_first_miss:
            break
    return {"steps": results, "best_pairs_held": best, "rate_per_s": base.rate, "observers": base.observers}


def one_line(result: dict[str, Any]) -> str:
    lat = result["latency_partner_ms"]
    return (
        f"p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms, errors {result['errors_total']}, "
        f"server CPU {result['server_cpu_pct']} %, generator CPU {result['generator_cpu_pct']} %, "
        f"other CPU {result['other_cpu_pct']} %{' (DISTURBED)' if result['disturbed'] else ''}"
        f" -> {'held' if result['held'] else 'NOT held'}"
    )
