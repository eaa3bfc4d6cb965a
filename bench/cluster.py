"""The server side under test: one or more ``collab serve`` workers, and the engines they share.

A :class:`Deployment` says what to start: SQLite (one process, the embedded default), or N workers
on PostgreSQL and Redis, each a separate ``collab serve`` on its own port (so that the benchmark
chooses the worker of every connection, which one port behind uvicorn's supervisor would not let it
do). The *layout* places the two pupils of a pair:

* ``same``: both on one worker, the pairs spread over the workers (pair i on worker i mod N);
* ``split``: the typist on one worker and the listener on the next (pair i: A on worker i mod N,
  B on worker i+1 mod N), so every keystroke crosses Redis; the roles alternate, so each worker
  carries as many typists as the others.

A :class:`Cluster` is a started deployment: where each connection goes, the workers' summed
metrics and RSS, and the CPU seconds of each part (each worker, PostgreSQL, Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.engines import Engines
from bench.server import Server, loadtest_setup

LAYOUTS = ("same", "split")
#: the embedded database's file in a data directory (settings.Settings.database_path)
SQLITE_FILE = "collab.sqlite3"


@dataclass(frozen=True)
class Deployment:
    backend: str  # "sqlite" or "postgres"
    workers: int = 1
    layout: str = "same"

    @property
    def key(self) -> str:
        """A short name for files and JSON: ``sqlite``, ``postgres-1``, ``postgres-2-split``."""
        if self.backend == "sqlite":
            return "sqlite"
        return f"postgres-{self.workers}" + (f"-{self.layout}" if self.workers > 1 else "")

    @property
    def label(self) -> str:
        if self.backend == "sqlite":
            return "SQLite, 1 process"
        if self.workers == 1:
            return "PostgreSQL, 1 worker"
        where = "pair split across 2 workers" if self.layout == "split" else "pair on one worker"
        return f"PostgreSQL, {self.workers} workers, {where}"


def deployments(backend: str, workers: int, layouts: Sequence[str], compare: bool) -> list[Deployment]:
    """The deployments one run measures, in order: SQLite first when compared (or alone), then
    PostgreSQL with one worker, then with ``workers`` in each layout."""
    if backend == "sqlite":
        return [Deployment("sqlite")]
    chosen = [Deployment("sqlite")] if compare else []
    chosen.append(Deployment("postgres", 1))
    if workers > 1:
        chosen += [Deployment("postgres", workers, layout) for layout in layouts]
    return chosen


def worker_index(pair: int, role: str, workers: int, layout: str) -> int:
    """The worker (0-based) of one connection: ``role`` is ``token_a`` (typist), ``token_b``
    (listener) or ``token_observer``."""
    if layout == "split" and role == "token_b":
        return (pair + 1) % workers
    return pair % workers


class Cluster:
    def __init__(self, workers: Sequence[Server], *, layout: str = "same", engines: Engines | None = None) -> None:
        if not workers:
            raise ValueError("a cluster needs at least one worker")
        self.workers = list(workers)
        self.layout = layout
        self.engines = engines

    def ws_url(self, pair: int, role: str, doc: str, token: str) -> str:
        return self.workers[worker_index(pair, role, len(self.workers), self.layout)].ws_url(doc, token)

    @property
    def first(self) -> Server:
        return self.workers[0]

    def worker_pids(self) -> set[int]:
        return {w.ps.pid for w in self.workers if w.ps is not None}

    def cpu_parts(self) -> dict[str, float]:
        """CPU seconds so far of each part: ``worker 1``…, then ``PostgreSQL`` and ``Redis``."""
        parts = {f"worker {i + 1}": w.cpu_seconds() for i, w in enumerate(self.workers)}
        if self.engines is not None:
            parts.update(self.engines.cpu_seconds())
        return parts

    def loop_and_other_threads(self) -> tuple[float, float]:
        """CPU seconds so far of the workers' event-loop threads and of their other threads."""
        loop = other = 0.0
        for worker in self.workers:
            main = worker.ps.pid if worker.ps is not None else -1
            for tid, seconds in worker.thread_cpu_seconds().items():
                if tid == main:
                    loop += seconds
                else:
                    other += seconds
        return loop, other

    def rss(self) -> int:
        return sum(w.rss() for w in self.workers)

    async def metrics(self) -> dict[str, float]:
        """Every worker's metrics, summed (counters and gauges alike)."""
        total: dict[str, float] = {}
        for one in await asyncio.gather(*(w.metrics() for w in self.workers)):
            for name, value in one.items():
                total[name] = total.get(name, 0.0) + value
        return total

    async def wait_idle(self, within: float = 60.0) -> None:
        """Until every worker has closed every connection of the previous step."""
        await asyncio.gather(
            *(w.wait_metric("collab_connections", lambda v: v == 0, within=within) for w in self.workers)
        )

    def log_marks(self) -> list[int]:
        return [len(w.log_lines()) for w in self.workers]

    def log_lines_since(self, marks: Sequence[int]) -> list[str]:
        return [line for w, mark in zip(self.workers, marks, strict=True) for line in w.log_lines(mark)]


@dataclass(frozen=True)
class School:
    """The load-test school in a database: the workers' environment and its pairs' rows."""

    env: dict[str, str]
    rows: list[dict[str, str]]


async def seed(deployment: Deployment, data: Path, pairs: int, engines: Engines | None) -> School:
    """A fresh database (SQLite in ``data``, or a new PostgreSQL database) with the load-test school."""
    if deployment.backend == "sqlite":
        return School({}, await loadtest_setup(data, pairs))
    if engines is None:
        raise ValueError("PostgreSQL deployments need the engines started")
    env = {"COLLAB_DATABASE": engines.fresh_database(), "COLLAB_REDIS": engines.redis_url}
    rows = await loadtest_setup(data, pairs, env=env)
    if (data / SQLITE_FILE).exists():
        raise RuntimeError(f"collab loadtest-setup wrote {data / SQLITE_FILE}: it ignored COLLAB_DATABASE")
    return School(env, rows)


@contextlib.asynccontextmanager
async def started(
    deployment: Deployment, data: Path, env: dict[str, str], cpu: int | None, engines: Engines | None
) -> AsyncIterator[Cluster]:
    """The deployment's workers started (all pinned to ``cpu``), stopped gracefully after the block.
    A SQLite deployment's CPU is its one process's: the engines (if running) are not its parts."""
    workers = [
        Server(data, cpu=cpu, env=env, name=f"worker-{i + 1}" if deployment.workers > 1 else "server")
        for i in range(deployment.workers)
    ]
    try:
        failures = [e for e in await asyncio.gather(*(w.start() for w in workers), return_exceptions=True) if e]
        if failures:
            raise failures[0]
        yield Cluster(workers, layout=deployment.layout, engines=engines if deployment.backend == "postgres" else None)
        if deployment.backend == "postgres" and (data / SQLITE_FILE).exists():
            raise RuntimeError(f"the workers wrote {data / SQLITE_FILE}: they ignored COLLAB_DATABASE")
    finally:
        await asyncio.gather(*(w.stop() for w in workers))
