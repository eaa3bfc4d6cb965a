"""``python -m bench``: run the chosen phases against a real server and report (exit code 0 either way)."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import uvloop

from bench import compare, report
from bench.cluster import LAYOUTS, Deployment, School, deployments, seed, started
from bench.coldload import DEFAULT_TRACE, run_coldload
from bench.dashboards import run_dashboards
from bench.engines import DURABLE, Engines, running_engines
from bench.load import LoadConfig, run_load, run_ramp
from bench.memory import run_memory
from bench.server import kill_leftovers

PHASES = ("load", "ramp", "memory", "coldload", "dashboards")
#: the phases that run on PostgreSQL too (the others measure the embedded SQLite server)
BACKEND_PHASES = ("load", "ramp")


def _int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Load benchmark of the Binôme hub.")
    p.add_argument(
        "--phases",
        help=f"comma-separated, among {','.join(PHASES)} (default: load,memory,coldload; with --backend postgres: "
        f"load, and only {' and '.join(BACKEND_PHASES)} are allowed)",
    )
    p.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="sqlite (default): one `collab serve` on the data directory's SQLite file; postgres: start "
        "PostgreSQL (fsync and synchronous_commit on) and Redis, and measure 1 worker, then --workers workers",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="postgres: the workers of the multi-worker runs, each a `collab serve` on its own port (default 2)",
    )
    p.add_argument(
        "--layout",
        choices=(*LAYOUTS, "both"),
        help="postgres, several workers: both pupils of a pair on one worker (same), the typist and the "
        "listener on two workers (split), or one run of each (both, the default)",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="postgres: run the same phases on SQLite first, in the same invocation, for the side-by-side tables",
    )
    p.add_argument("--pairs", type=int, default=500, help="pairs in the load phase (default 500)")
    p.add_argument("--rate", type=float, default=2.0, help="typist keystrokes per second (listener: rate/10)")
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds per load run")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the measured window")
    p.add_argument("--observers", action="store_true", help="add one read-only observer connection per document")
    p.add_argument("--ramp", type=_int_list, default=[250, 500, 1000, 1500, 2000, 2500], help="pairs per ramp step")
    p.add_argument("--ramp-all", action="store_true", help="run every ramp step (default: stop at the first miss)")
    p.add_argument("--rooms", type=int, default=500, help="rooms in the memory phase")
    p.add_argument("--room-chars", type=int, default=2000, help="characters typed into each memory-phase room")
    p.add_argument("--memory-cycles", type=int, default=2, help="open/unload cycles in the memory phase")
    p.add_argument("--coldload-updates", type=int, default=20000, help="updates in the cold-load document")
    p.add_argument("--trace", type=Path, default=DEFAULT_TRACE, help="editing trace (flat JSON, gzip)")
    p.add_argument("--reloads", type=int, default=5, help="warm reloads after the cold load")
    p.add_argument("--profile", action="store_true", help="py-spy the server during each load window")
    p.add_argument("--classes", type=int, default=30, help="classes of 15 pairs in the dashboards phase")
    p.add_argument("--dashboard-rounds", type=int, default=3, help="runs without, then with dashboards, averaged")
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the generator, the server(s) and the engines at this niceness (e.g. -10, as root) so that "
        "other work on a shared machine disturbs the figures less (default 0: unchanged)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="before each measured run, wait up to this many seconds for other processes to leave the CPUs alone",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    return p


def pin_cores() -> tuple[int | None, str]:
    """Pin this generator to the second available core; return the server's core and a note."""
    if not hasattr(os, "sched_setaffinity"):
        return None, "no CPU affinity on this platform: server and generator are not pinned"
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, f"only one core available ({available}): server and generator share it"
    server_cpu, generator_cpu = available[0], available[1]
    os.sched_setaffinity(0, {generator_cpu})
    return server_cpu, f"server on core {server_cpu} (taskset), generator on core {generator_cpu}"


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1_000_000 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def _git_state() -> str:
    """The commit under test, and whether collab/ has uncommitted changes (the server runs the work tree)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "collab"], cwd=root, capture_output=True, text=True)
    except OSError:
        return "unknown"
    changed = len(dirty.stdout.splitlines())
    return head.stdout.strip() + (f" + {changed} uncommitted file(s) in collab/" if changed else "")


def say(message: str) -> None:
    print(message, flush=True)


async def _load_phase(
    args: argparse.Namespace,
    workdir: Path,
    cpu: int | None,
    ramp: bool,
    deployment: Deployment,
    engines: Engines | None,
    schools: dict[str, School],
) -> dict[str, Any]:
    """One deployment's run of the phase. The school is seeded once per backend and phase: the
    PostgreSQL deployments after the first reuse its database (Redis flushed, workers fresh), as the
    ramp's steps reuse their documents (the generator's clients are new each time)."""
    name = "ramp" if ramp else "load"
    data = workdir / f"{name}-{deployment.key}"
    data.mkdir()
    pairs = max(args.ramp) if ramp else args.pairs
    school = schools.get(deployment.backend)
    if school is None:
        started_at = time.perf_counter()
        school = schools[deployment.backend] = await seed(deployment, data, pairs, engines)
        say(f"  loadtest-setup: {len(school.rows)} pairs in {time.perf_counter() - started_at:.1f} s")
    elif engines is not None:
        engines.redis.flush()
    env, rows = school.env, school.rows
    config = LoadConfig(
        pairs=args.pairs,
        rate=args.rate,
        duration=args.duration,
        warmup=args.warmup,
        observers=args.observers,
        seed=args.seed,
        quiet_wait=args.quiet_wait,
        profile=(report.RESULTS_DIR / f"{args.stamp}-profile-{name}-{deployment.key}.txt") if args.profile else None,
    )
    async with started(deployment, data, env, cpu, engines) as cluster:
        if ramp:
            return await run_ramp(cluster, rows, args.ramp, config, say, stop_at_first_miss=not args.ramp_all)
        return await run_load(cluster, rows, config, say)


async def _backend_phase(
    args: argparse.Namespace, workdir: Path, cpu: int | None, ramp: bool, engines: Engines | None
) -> dict[str, Any]:
    """A load or ramp phase on each deployment of ``--backend`` (one, unless PostgreSQL)."""
    chosen = _chosen(args)
    if args.backend == "sqlite":
        return await _load_phase(args, workdir, cpu, ramp, chosen[0], engines, {})
    runs: list[dict[str, Any]] = []
    schools: dict[str, School] = {}
    for deployment in chosen:
        say(f"\n-- {deployment.label} --")
        try:
            result = await _load_phase(args, workdir, cpu, ramp, deployment, engines, schools)
        except Exception as exc:
            traceback.print_exc()
            result = {"error": f"{type(exc).__name__}: {exc}"}
        runs.append({"deployment": deployment.key, "label": deployment.label, "workers": deployment.workers, **result})
        if "error" not in result:
            say("\n" + (report.ramp_table(result) if ramp else report.load_table(f"Load, {deployment.label}", result)))
    return {"deployments": runs}


def _layouts(args: argparse.Namespace) -> list[str]:
    return list(LAYOUTS) if args.layout in (None, "both") else [args.layout]


def _chosen(args: argparse.Namespace) -> list[Deployment]:
    workers = 2 if args.workers is None else args.workers
    return deployments(args.backend, workers, _layouts(args), args.compare)


def _base_config(args: argparse.Namespace) -> LoadConfig:
    return LoadConfig(
        pairs=args.pairs,
        rate=args.rate,
        duration=args.duration,
        warmup=args.warmup,
        observers=False,
        seed=args.seed,
    )


def _phase_table(name: str, result: dict[str, Any], pinning: str) -> str:
    if "error" in result:
        return f"{name}: FAILED: {result['error']}"
    if "deployments" in result:  # --backend postgres: each run was printed as it ended
        return compare.backends_table(name, result["deployments"], pinning)
    if name == "load":
        return report.load_table("Load", result)
    if name == "ramp":
        return report.ramp_table(result)
    if name == "memory":
        return report.memory_table(result)
    if name == "dashboards":
        return report.dashboards_table(result)
    return report.coldload_table(result)


async def run(
    args: argparse.Namespace, phases: Sequence[str], cpu: int | None, workdir: Path, pinning: str
) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        engines = None
        if args.backend == "postgres":
            engines = stack.enter_context(running_engines(cpu))
            say(
                f"PostgreSQL on 127.0.0.1:{engines.postgres.port} "
                f"({', '.join(f'{k}={v}' for k, v in DURABLE.items())}), Redis on {engines.redis_url}; "
                + (f"both pinned to core {cpu}" if cpu is not None else "not pinned")
            )
        return await _run_phases(args, phases, cpu, workdir, pinning, engines)


async def _run_phases(
    args: argparse.Namespace,
    phases: Sequence[str],
    cpu: int | None,
    workdir: Path,
    pinning: str,
    engines: Engines | None,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    runners: dict[str, Callable[[], Any]] = {
        "load": lambda: _backend_phase(args, workdir, cpu, False, engines),
        "ramp": lambda: _backend_phase(args, workdir, cpu, True, engines),
        "memory": lambda: run_memory(workdir, cpu, args.rooms, args.room_chars, args.memory_cycles, say),
        "dashboards": lambda: run_dashboards(
            workdir,
            cpu,
            _base_config(args),
            args.classes,
            say,
            (report.RESULTS_DIR / f"{args.stamp}-profile-dashboards.txt") if args.profile else None,
            args.dashboard_rounds,
        ),
        "coldload": lambda: run_coldload(
            workdir, cpu, args.coldload_updates, args.trace if args.trace.exists() else None, args.reloads, say
        ),
    }
    for name in phases:
        say(f"\n== phase {name} ==")
        started = time.perf_counter()
        try:
            results[name] = await runners[name]()
        except Exception as exc:
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results[name]["phase_seconds"] = round(time.perf_counter() - started, 1)
        say("\n" + _phase_table(name, results[name], pinning))
    return results


def _backend_problem(args: argparse.Namespace, phases: Sequence[str]) -> str | None:
    if args.backend == "sqlite":
        if args.compare or args.workers is not None or args.layout is not None:
            return "--compare, --workers and --layout go with --backend postgres"
        return None
    others = [p for p in phases if p not in BACKEND_PHASES]
    if others:
        return f"--backend postgres runs the {' and '.join(BACKEND_PHASES)} phases only, not {','.join(others)}"
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    default_phases = "load" if args.backend == "postgres" else "load,memory,coldload"
    phases = [p.strip() for p in (args.phases or default_phases).split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        print(f"bench: unknown phase(s) {unknown}; choose among {PHASES}", file=sys.stderr)
        return 2
    problem = _backend_problem(args, phases)
    if problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 2
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "bench", *argv])
    server_cpu, pinning = pin_cores()  # before any thread starts: threads inherit the affinity
    if args.nice:
        # before any thread or process starts: the generator's threads, the servers and the engines inherit it
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        pinning += f"; everything at niceness {args.nice}"
    fd_limit = raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="binome-bench-"))
    args.stamp = time.strftime("%Y%m%d-%H%M%S")
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    report.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    say(f"command: {command}\n{pinning}; open files limit {fd_limit:,}; data in {workdir}; code {_git_state()}")
    try:
        results = uvloop.run(run(args, phases, server_cpu, workdir, pinning))
    finally:
        kill_leftovers()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results["meta"] = {
        "command": command,
        "phases": phases,
        "pinning": pinning,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "data_dir": str(workdir) if args.keep else None,
        "git": _git_state(),
        "backend": args.backend,
        "deployments": [d.key for d in _chosen(args)],
        "postgres_settings": DURABLE if args.backend == "postgres" else None,
    }
    sizing = compare.sizing_table(results)
    if sizing:
        results["sizing_markdown"] = sizing
        say("\nSizing (markdown, for the README)\n---------------------------------\n" + sizing)
    say("\n" + report.targets_table(results))
    say(f"\nresults written to {report.write_json(results, args.stamp)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
