"""From a load run to a deployment's size: CPU per keystroke, pairs per core, cores needed, and
what limited a measurement. Pure functions (no I/O), printed by ``bench.report``.

A *keystroke* is one update frame a client sends (the typist's 1–3 characters or the listener's
replacement) with the awareness frame that follows it: at ``--rate 2`` a pair sends 2 + 0.2 of them per
second. Its CPU is the server side's CPU over the measured window divided by the keystrokes sent in
that window, so it includes everything the server side does meanwhile (relay to the partner, group
commit, Redis publication, timers) at that load's batching.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: what the sizing table plans for: one school, the académie's peak, a national scale
SIZING_PAIRS = (("one school", 15), ("the académie's peak", 3_000), ("national scale", 100_000))
#: fraction of each core kept free (spikes, reconnection storms, a worker lost)
HEADROOM = 0.5
#: above this share of its cores, a side of the benchmark is saturated (queueing delays grow fast)
SATURATED_PCT = 80.0
DISTURBED_PCT = 10.0


def cpu_per_keystroke_us(parts_cpu_s: Mapping[str, float], keystrokes: int) -> dict[str, float | None]:
    """Microseconds of CPU per keystroke, for each part and in ``total``."""
    if keystrokes <= 0:
        return {**{name: None for name in parts_cpu_s}, "total": None}
    out: dict[str, float | None] = {name: round(1e6 * s / keystrokes, 1) for name, s in parts_cpu_s.items()}
    out["total"] = round(1e6 * sum(parts_cpu_s.values()) / keystrokes, 1)
    return out


def pairs_per_core(us_per_keystroke: float | None, keystrokes_per_pair_per_s: float) -> float | None:
    """Pairs one fully used core carries at this cost and this keystroke rate."""
    if not us_per_keystroke or keystrokes_per_pair_per_s <= 0:
        return None
    return round(1e6 / (us_per_keystroke * keystrokes_per_pair_per_s), 0)


def cores_needed(pairs: int, per_core: float, headroom: float = HEADROOM) -> float:
    """Cores for ``pairs`` typing at once, each core used at most ``1 - headroom``."""
    return pairs / (per_core * (1.0 - headroom))


def limited_by(
    server_cpu_pct: float,
    server_cores: int,
    generator_cpu_pct: float,
    other_cpu_pct: float,
    held: bool,
    errors: int = 0,
) -> str:
    """What bounds a run's figures, in words."""
    notes = [f"{errors:,} errors (lost or refused frames, failed connections)"] if errors else []
    cpu_bound = False
    if server_cpu_pct >= SATURATED_PCT * server_cores:
        cpu_bound = True
        notes.append(f"server side CPU-bound ({server_cpu_pct:g} % of {server_cores} core(s))")
    if generator_cpu_pct >= SATURATED_PCT:
        cpu_bound = True
        notes.append(f"generator CPU-bound ({generator_cpu_pct:g} % of its core)")
    if other_cpu_pct > DISTURBED_PCT:
        notes.append(f"disturbed ({other_cpu_pct:g} % CPU used by other processes)")
    if not held and not errors and not cpu_bound:
        notes.append("latency (commits, relay) missed the target without saturating a core")
    if not notes:
        notes.append("not CPU-bound")
    return "; ".join(notes)


@dataclass(frozen=True)
class Measured:
    """One deployment's figures for the sizing table."""

    label: str
    pairs_per_core: float | None
    #: where pairs_per_core was measured, e.g. "load, 200 pairs" or "ramp, 1,000 pairs held"
    source: str = ""
    ramp_held: int | None = None
    #: the deployment cannot use more than this many cores (SQLite: one process)
    max_cores: int | None = None


def _cores(pairs: int, m: Measured) -> str:
    if not m.pairs_per_core:
        return "-"
    cores = cores_needed(pairs, m.pairs_per_core)
    if m.max_cores is not None and cores > m.max_cores:
        return f"beyond one process ({cores:,.1f})"
    return f"{max(1, math.ceil(cores)):,} ({cores:,.2f})" if cores < 10 else f"{math.ceil(cores):,}"


def sizing_markdown(rows: Sequence[Measured], keystrokes_per_pair_per_s: float, rate: float) -> str:
    """The README's sizing table and its assumptions."""
    header = ["deployment", "pairs per core (measured at)", "ramp: most pairs held on 1 core"]
    header += [f"cores for {name} ({pairs:,} pairs)" for name, pairs in SIZING_PAIRS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m in rows:
        cells = [m.label, f"{m.pairs_per_core:,.0f} ({m.source})" if m.pairs_per_core else "-"]
        cells.append(f"{m.ramp_held:,}" if m.ramp_held else "-")
        cells += [_cores(pairs, m) for _, pairs in SIZING_PAIRS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Assumptions: every pair types at once at the benchmark's rate (the typist "
        f"{rate:g} keystrokes/s, the partner {rate / 10:g}/s: {keystrokes_per_pair_per_s:.2f} keystrokes/s per pair); "
        "pairs per core = 1 / (server-side CPU per keystroke × keystrokes per pair per second), where the "
        "server side is the workers, PostgreSQL and Redis together, measured at the ramp's largest step "
        "held when a ramp ran (the CPU per keystroke falls as the load grows: group commits batch more), "
        "else at the load phase's; cores = pairs / pairs per core / "
        f"{1 - HEADROOM:g} ({HEADROOM:.0%} headroom for spikes, reconnections after a failure and a lost "
        "worker), rounded up (the exact figure in brackets). Behind a load balancer that spreads connections "
        "at random over N workers, the two pupils of a pair are on different workers with probability "
        "1 − 1/N: plan with the split row. Memory, network and PostgreSQL's disk (one fsync per group "
        "commit per worker) are not in the table.",
    ]
    return "\n".join(lines)
