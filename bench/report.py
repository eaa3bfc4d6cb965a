"""Tables on stdout, targets (PASS/MISS) and the JSON file in bench/results/ (the deployments side
by side and the sizing table: ``bench.compare``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.coldload import COLDLOAD_TARGET_MS
from bench.dashboards import CPU_ADDED_TARGET_PCT
from bench.load import LATENCY_TARGET_MS
from bench.memory import ROOM_TARGET_KB

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_PAIRS = 2000
TARGET_RATE = 2.0
RETURNED_TARGET_PCT = 80.0
REUSE_TOLERANCE_MB = 2.0


def table(title: str, rows: list[tuple[str, Any]]) -> str:
    width = max((len(label) for label, _ in rows), default=10)
    lines = [title, "-" * len(title)]
    lines += [f"  {label:<{width}}  {_fmt(value)}" for label, value in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items()) or "-"
    if value is None:
        return "-"
    return str(value)


def _lat(lat: dict[str, Any] | None) -> str:
    if not lat or not lat.get("count"):
        return "-"
    return f"p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}  (n={lat['count']:,})"


def load_table(title: str, r: dict[str, Any]) -> str:
    server = r["server"]
    return table(
        title,
        [
            (
                "pairs × rate",
                f"{r['pairs']:,} pairs × {r['rate_per_s']:g} keystrokes/s (listener {r['rate_per_s'] / 10:g}/s)",
            ),
            ("observers", "one per document (15 docs per observer account)" if r["observers"] else "none"),
            ("connections", r["connections"]),
            ("window", f"{r['duration_s']:g} s after {r['warmup_s']:g} s warm-up"),
            (
                "updates sent",
                f"{r['updates_sent']:,} ({r['updates_sent_per_s']:,}/s) + awareness {r['awareness_sent_per_s']:,}/s",
            ),
            (
                "updates received",
                f"{r['updates_received']:,} ({r['updates_received_per_s']:,}/s, partners + observers)",
            ),
            ("keystroke→partner ms", _lat(r["latency_partner_ms"])),
            ("keystroke→observer ms", _lat(r["latency_observer_ms"])),
            ("errors", f"{r['errors_total']:,}  {_fmt(r['errors'])}"),
            ("server CPU", _server_cpu(r)),
            ("CPU per keystroke", _per_keystroke(r)),
            (
                "pairs per core",
                f"{_fmt(r['pairs_per_core'])} (at {r['keystrokes_per_pair_per_s']:g} keystrokes/s a pair)",
            ),
            ("limited by", r["limited_by"]),
            ("server peak RSS", f"{r['server_peak_rss_mb']} MB"),
            ("generator CPU", f"{r['generator_cpu_pct']} % of one core"),
            (
                "other CPU on the machine",
                f"{r['other_cpu_pct']} % (should be near 0){': DISTURBED RUN' if r['disturbed'] else ''}",
            ),
            ("generator send lag ms", _lat(r["send_lag_ms"])),
            (
                "group commits",
                f"{server['group_commits_per_s']}/s, {server['avg_commit_batch']} updates each, "
                f"{server['avg_commit_ms']} ms each",
            ),
            ("server refusals", server["refused_frames"] or "none"),
            ("server log warnings", r["server_log_warnings"]),
            ("held (p99 < 50 ms, 0 errors)", "yes" if r["held"] else "NO"),
        ],
    )


def _server_cpu(r: dict[str, Any]) -> str:
    parts = r["cpu_parts_pct"]
    if len(parts) == 1:  # the embedded server: SQLite runs in the process's other threads
        return (
            f"{r['server_cpu_pct']} % of one core (event-loop thread {r['server_loop_thread_cpu_pct']} %, "
            f"other threads, i.e. SQLite {r['server_other_threads_cpu_pct']} %)"
        )
    each = ", ".join(f"{name} {pct} %" for name, pct in parts.items())
    return (
        f"{r['server_cpu_pct']} % of one core: {each} (workers' event-loop threads "
        f"{r['server_loop_thread_cpu_pct']} %, their other threads {r['server_other_threads_cpu_pct']} %)"
    )


def _per_keystroke(r: dict[str, Any]) -> str:
    us = r["cpu_per_keystroke_us"]
    parts = [f"{name} {_fmt(v)}" for name, v in us.items() if name != "total"]
    return f"{_fmt(us['total'])} µs" + (f" ({', '.join(parts)})" if len(parts) > 1 else "")


def ramp_table(r: dict[str, Any]) -> str:
    lines = [f"Ramp ({r['rate_per_s']:g} keystrokes/s, observers: {'yes' if r['observers'] else 'no'})", "-" * 40]
    lines.append(
        f"  {'pairs':>6}  {'p50':>8}  {'p95':>8}  {'p99':>8}  {'max':>8}  {'errors':>7}  {'srv CPU':>8}  "
        f"{'gen CPU':>8}  {'other':>6}  {'upd/s':>8}  held"
    )
    for s in r["steps"]:
        lat = s["latency_partner_ms"]
        lines.append(
            f"  {s['pairs']:>6}  {_fmt(lat['p50']):>8}  {_fmt(lat['p95']):>8}  {_fmt(lat['p99']):>8}"
            f"  {_fmt(lat['max']):>8}"
            f"  {s['errors_total']:>7}  {s['server_cpu_pct']:>7}%  {s['generator_cpu_pct']:>7}%"
            f"  {s['other_cpu_pct']:>5}%"
            f"  {s['updates_sent_per_s']:>8}  {'yes' if s['held'] else 'NO'}{' (disturbed)' if s['disturbed'] else ''}"
        )
    lines.append(f"  most pairs held with p99 < {LATENCY_TARGET_MS:g} ms and no errors: {_fmt(r['best_pairs_held'])}")
    if r["steps"]:
        lines.append(f"  last step limited by: {r['steps'][-1]['limited_by']}")
    return "\n".join(lines)


def memory_table(r: dict[str, Any]) -> str:
    rows: list[tuple[str, Any]] = [
        ("rooms", f"{r['rooms']:,} documents of {r['text_chars']:,} characters ({r['updates_per_doc']})"),
        ("baseline RSS", f"{r['baseline_rss_mb']} MB"),
    ]
    for c in r["cycles"]:
        rows += [
            (
                f"cycle {c['cycle']}: RSS",
                f"{c['rss_start_mb']} MB → {c['rss_open_1conn_mb']} MB open (1 conn/room), {c['rss_open_2conn_mb']} MB "
                f"(2 conns/room), {c['rss_after_unload_mb']} MB after unload ({c['unload_s']} s)",
            ),
            (
                f"cycle {c['cycle']}: per room",
                f"{c['kb_per_room_with_1_connection']} KB with its connection, "
                f"{c['kb_per_room_without_connection']} KB without; "
                f"{c['kb_per_extra_connection']} KB per extra connection",
            ),
            (
                f"cycle {c['cycle']}: returned",
                f"{_fmt(c['returned_pct'])} % of the growth; texts equal: {c['texts_equal']}"
                f" ({c['texts_checked']} checked); connection errors {c['connection_errors']}",
            ),
        ]
    rows.append(("RSS growth across cycles", f"{r['growth_across_cycles_mb']} MB"))
    return table("Memory", rows)


def coldload_table(r: dict[str, Any]) -> str:
    def row(m: dict[str, Any]) -> str:
        return (
            f"server load {m['server_load_ms']} ms, "
            f"client connect→sync step 2 {m['client_connect_to_sync_step2_ms']} ms, "
            f"state {m['state_bytes']:,} B, text equal: {m['text_equal']}"
        )

    return table(
        "Cold load",
        [
            ("document", f"{r['updates']:,} updates ({r['source']}), {r['text_chars']:,} characters"),
            ("fill", f"{r['fill_s']} s ({r['fill_updates_per_s']:,} updates/s relayed, durable before relay)"),
            ("after kill -9 (log only)", row(r["after_kill9_from_log"])),
            ("after restart (snapshot)", row(r["after_restart_from_snapshot"])),
            (
                "warm reloads (median)",
                f"server {r['warm_reload_server_ms_median']} ms, client "
                f"{r['warm_reload_client_ms_median']} ms over {r['warm_reloads']}; "
                f"texts equal: {r['warm_reload_texts_equal']}",
            ),
        ],
    )


def _verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def targets(results: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    # The targets are the embedded server's: with --backend postgres, its --compare run.
    candidates = []
    load, ramp = _sqlite(results, "load"), _sqlite(results, "ramp")
    if "pairs" in load:
        candidates.append(load)
    if "steps" in ramp:
        candidates += ramp["steps"]
    at_scale = [c for c in candidates if c["pairs"] >= TARGET_PAIRS and c["rate_per_s"] >= TARGET_RATE]
    if at_scale:
        held = [c for c in at_scale if c["held"]]
        best = max(held, key=lambda c: c["pairs"]) if held else min(at_scale, key=lambda c: c["pairs"])
        lat = best["latency_partner_ms"]
        out.append(
            (
                f"{TARGET_PAIRS:,} pairs at {TARGET_RATE:g}/s, p99 < {LATENCY_TARGET_MS:g} ms, no errors",
                best["held"],
                f"{best['pairs']:,} pairs: p99 {lat['p99']} ms, errors {best['errors_total']}"
                + (f" (disturbed: {best['other_cpu_pct']} % CPU used by other processes)" if best["disturbed"] else ""),
            )
        )
    else:
        tried = max((c["pairs"] for c in candidates), default=0)
        out.append(
            (
                f"{TARGET_PAIRS:,} pairs at {TARGET_RATE:g}/s, p99 < {LATENCY_TARGET_MS:g} ms, no errors",
                None,
                f"not run at that scale (largest: {tried:,} pairs)"
                if candidates
                else "no load or ramp phase on the embedded server (SQLite; with --backend postgres: --compare)",
            )
        )
    memory = results.get("memory", {})
    if "kb_per_room" in memory:
        out.append(
            (
                f"≤ {ROOM_TARGET_KB:g} KB per open room (2 KB text)",
                memory["kb_per_room_without_connection"] <= ROOM_TARGET_KB,
                f"{memory['kb_per_room_without_connection']} KB for the room itself; "
                f"{memory['kb_per_room']} KB with its one connection ({memory['kb_per_connection']} KB per connection)",
            )
        )
        returned = memory["returned_pct"]
        out.append(
            (
                "memory returns after rooms unload",
                returned is not None and returned >= RETURNED_TARGET_PCT,
                f"{_fmt(returned)} % of the RSS growth given back to the OS after the first unload "
                f"(≥ {RETURNED_TARGET_PCT:g} %); {_fmt(memory.get('returned_pct_last_cycle'))} % after the last",
            )
        )
        if len(memory["cycles"]) > 1:
            growth = memory["growth_across_cycles_mb"]
            out.append(
                (
                    "memory reused after unload (no growth across open/unload cycles)",
                    growth <= REUSE_TOLERANCE_MB,
                    f"{growth} MB more after {len(memory['cycles'])} cycles (≤ {REUSE_TOLERANCE_MB:g} MB)",
                )
            )
    boards = results.get("dashboards", {})
    if "cpu_added_pct" in boards:
        out.append(
            (
                f"dashboards add < {CPU_ADDED_TARGET_PCT:g} % to the server CPU ({boards['classes']} classes × "
                f"{boards['pairs'] // boards['classes']} pairs, one per class)",
                boards["held"],
                f"+{boards['cpu_added_pct']} % ({boards['server_cpu_pct_without']} → "
                f"{boards['server_cpu_pct_with']} % of a core, {boards['rounds']} alternating runs; counted in the "
                f"feeds: +{boards['feed_cpu_added_pct']} %), feed p99 {boards['feed_latency_ms']['p99']} ms, "
                f"errors {boards['errors_total']}",
            )
        )
    cold = results.get("coldload", {})
    if "cold_load_ms" in cold:
        ms = cold["cold_load_ms"]
        ok = ms is not None and ms < COLDLOAD_TARGET_MS and cold["after_restart_from_snapshot"]["text_equal"]
        out.append(
            (
                f"cold load of a {cold['updates']:,}-update document < {COLDLOAD_TARGET_MS:g} ms after compaction",
                ok,
                f"server {ms} ms, client {cold['after_restart_from_snapshot']['client_connect_to_sync_step2_ms']} ms",
            )
        )
    return out


def _sqlite(results: dict[str, Any], phase: str) -> dict[str, Any]:
    found: dict[str, Any] = results.get(phase, {})
    for run in found.get("deployments", []):
        if run["deployment"] == "sqlite":
            return dict(run)
    return {} if "deployments" in found else found


def dashboards_table(r: dict[str, Any]) -> str:
    return table(
        "Dashboards",
        [
            (
                "load",
                f"{r['classes']} classes × {r['pairs'] // r['classes']} pairs = {r['pairs']:,} pairs × "
                f"{r['rate_per_s']:g} keystrokes/s",
            ),
            ("dashboards", f"{r['dashboards']} (one per class), {r['dashboard_connect_failures']} failed to connect"),
            ("feed", f"{r['feed_messages_per_s']} messages/s, {r['feed_cards_per_s']} pair cards/s"),
            ("edit accepted→dashboard ms", _lat(r["feed_latency_ms"])),
            (
                "server CPU",
                f"{r['server_cpu_pct_without']} % without dashboards, {r['server_cpu_pct_with']} % with "
                f"(+{r['cpu_added_pct']} %), mean of {r['rounds']} alternating runs each: "
                f"{r['server_cpu_pct_each_run']}",
            ),
            (
                "CPU counted in the feeds",
                f"+{r['feed_cpu_added_pct']} % of the rest of the server's CPU in those runs (an upper bound: "
                "it includes the garbage collections the feeds' allocations set off)",
            ),
            ("keystroke→partner ms without", _lat(r["latency_partner_ms_without"])),
            ("keystroke→partner ms with", _lat(r["latency_partner_ms_with"])),
            ("errors", r["errors_total"]),
        ],
    )


def targets_table(results: dict[str, Any]) -> str:
    lines = ["Targets", "-------"]
    for name, ok, detail in targets(results):
        lines.append(f"  [{_verdict(ok)}] {name}: {detail}")
    return "\n".join(lines)


def write_json(results: dict[str, Any], stamp: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{stamp}.json"
    results["targets"] = [{"target": n, "verdict": _verdict(ok).strip(), "detail": d} for n, ok, d in targets(results)]
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
