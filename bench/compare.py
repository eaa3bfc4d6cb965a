"""Side by side: the deployments of one run (SQLite, PostgreSQL with 1 worker, with N workers in each
layout) in markdown tables, what limits each figure, and the sizing table derived from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench import sizing
from bench.load import LATENCY_TARGET_MS


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return text + unit


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _parts(runs: Sequence[dict[str, Any]]) -> list[str]:
    """Every part measured in any run, workers first, then the engines."""
    seen: list[str] = []
    for run in runs:
        for name in run.get("cpu_per_keystroke_us", {}):
            if name != "total" and name not in seen:
                seen.append(name)
    return sorted(seen, key=lambda name: (not name.startswith("worker"), name))


def load_comparison(runs: Sequence[dict[str, Any]]) -> str:
    ok = [r for r in runs if "error" not in r]
    header = ["", *(r["label"] for r in runs)]

    def row(title: str, get: Any) -> list[str]:
        return [title, *(get(r) if "error" not in r else f"FAILED: {r['error']}" for r in runs)]

    rows = [
        row("pairs × keystrokes/s", lambda r: f"{r['pairs']:,} × {r['rate_per_s']:g}"),
        row("keystrokes sent/s", lambda r: _cell(r["updates_sent_per_s"])),
        row("keystroke→partner p50 ms", lambda r: _cell(r["latency_partner_ms"]["p50"])),
        row("keystroke→partner p99 ms", lambda r: _cell(r["latency_partner_ms"]["p99"])),
        row("errors", lambda r: _cell(r["errors_total"])),
    ]
    for part in _parts(ok):
        rows.append(row(f"CPU per keystroke, {part} (µs)", lambda r, p=part: _cell(r["cpu_per_keystroke_us"].get(p))))
    rows += [
        row("CPU per keystroke, total (µs)", lambda r: _cell(r["cpu_per_keystroke_us"]["total"])),
        row("server side CPU (% of one core)", lambda r: _cell(r["server_cpu_pct"])),
        row("generator CPU (% of its core)", lambda r: _cell(r["generator_cpu_pct"])),
        row("pairs per core (from CPU per keystroke)", lambda r: _cell(r["pairs_per_core"])),
        row(f"held (p99 < {LATENCY_TARGET_MS:g} ms, 0 errors)", lambda r: "yes" if r["held"] else "NO"),
        row("limited by", lambda r: r["limited_by"]),
    ]
    return _markdown(header, rows)


def ramp_comparison(runs: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        if "error" in r:
            rows.append([r["label"], f"FAILED: {r['error']}", "-", "-"])
            continue
        steps = ", ".join(
            f"{s['pairs']:,}: p99 {_cell(s['latency_partner_ms']['p99'])} ms, {_cell(s['server_cpu_pct'])} % CPU"
            f"{'' if s['held'] else ' (missed)'}"
            for s in r["steps"]
        )
        last = r["steps"][-1]["limited_by"] if r["steps"] else "-"
        rows.append([r["label"], _cell(r["best_pairs_held"]), steps, last])
    header = ["deployment", f"most pairs held (p99 < {LATENCY_TARGET_MS:g} ms, no errors)", "steps", "last step"]
    return _markdown(header, rows)


def limits_note(runs: Sequence[dict[str, Any]], pinning: str) -> str:
    """What bounds the figures of a run on this machine, in words."""
    workers = max((r.get("workers", 1) for r in runs), default=1)
    several = (
        f" {workers} workers on it cannot hold more than one worker does (they share it and add the Redis hop): "
        f"the {workers}-worker rows show the cost of crossing workers, not the gain of more cores."
        if workers > 1
        else ""
    )
    return (
        f"Cores: {pinning}. Every worker, PostgreSQL and Redis share the server's core, the generator has the "
        "other: CPU per keystroke and pairs per core are per-core costs, not a machine's throughput, and a "
        f"ramp measures what that one core holds.{several} p99 with PostgreSQL includes one fsync per group "
        "commit (fsync and synchronous_commit on)."
    )


def backends_table(phase: str, runs: Sequence[dict[str, Any]], pinning: str) -> str:
    title = "Backends, load" if phase == "load" else "Backends, ramp"
    body = load_comparison(runs) if phase == "load" else ramp_comparison(runs)
    return f"{title}\n{'-' * len(title)}\n{body}\n\n{limits_note(runs, pinning)}"


def _runs(results: dict[str, Any], phase: str) -> list[dict[str, Any]]:
    """The runs of a phase with their deployment's key and label (a SQLite-only run has one)."""
    found = results.get(phase)
    if not found or "error" in found:
        return []
    if "deployments" in found:
        return [r for r in found["deployments"] if "error" not in r]
    return [{"deployment": "sqlite", "label": "SQLite, 1 process", "workers": 1, **found}]


def sizing_table(results: dict[str, Any]) -> str | None:
    """The README's sizing table: pairs per core at each deployment's ramp's largest step held (the
    load phase's figure, if it had no errors, when no ramp ran), or None when nothing qualifies."""
    best: dict[str, tuple[dict[str, Any], str]] = {}
    for r in _runs(results, "load"):
        if r.get("pairs_per_core") and r["errors_total"] == 0:  # a frame lost is CPU not spent
            best[r["deployment"]] = (r, f"load, {r['pairs']:,} pairs")
    labels = {r["deployment"]: r["label"] for r in [*_runs(results, "load"), *_runs(results, "ramp")]}
    held: dict[str, int | None] = {}
    for r in _runs(results, "ramp"):
        held[r["deployment"]] = r.get("best_pairs_held")
        steps = [s for s in r["steps"] if s["held"] and s.get("pairs_per_core")]
        if steps:  # the largest step held, one that no other process disturbed if there is one
            top = max(steps, key=lambda s: (not s["disturbed"], s["pairs"]))
            best[r["deployment"]] = (top, f"ramp, {top['pairs']:,} pairs held")
    if not best:
        return None
    measured = [
        sizing.Measured(
            label=labels[key],
            pairs_per_core=run["pairs_per_core"],
            source=source,
            ramp_held=held.get(key),
            max_cores=1 if key == "sqlite" else None,
        )
        for key, (run, source) in best.items()
    ]
    runs = [run for run, _ in best.values()]
    per_pair = sum(r["keystrokes_per_pair_per_s"] for r in runs) / len(runs)
    return sizing.sizing_markdown(measured, per_pair, runs[0]["rate_per_s"])
