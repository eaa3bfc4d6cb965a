"""PostgreSQL and Redis for ``--backend postgres``: Debian's engines on free ports in temporary
directories (the test suite's ``tests/support/engines.py``), durable, pinned to the server's core,
and what they cost in CPU.

PostgreSQL runs with ``fsync`` and ``synchronous_commit`` on (the tests turn fsync off; a benchmark of
"durable before relay" must not). Its CPU is the postmaster's, its living children's (backends,
WAL writer, checkpointer…) and the reaped ones' (``children_user``/``children_system`` of the
postmaster), so a backend that ended during the window still counts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped,unused-ignore]

from tests.support.engines import Postgres, Redis, running_postgres, running_redis

#: durability is what the benchmark measures: every group commit waits for its WAL on disk
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def pin_process_tree(pid: int, cpu: int | None) -> None:
    """Pin every thread of ``pid`` and of its descendants to ``cpu`` (processes forked later
    by them inherit it). Nothing happens when ``cpu`` is None (one-core machine)."""
    if cpu is None:
        return
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            for thread in process.threads():
                with contextlib.suppress(ProcessLookupError):
                    os.sched_setaffinity(thread.id, {cpu})


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process, its living descendants and the children it has reaped."""
    root = psutil.Process(pid)
    times = root.cpu_times()
    total = float(times.user + times.system + times.children_user + times.children_system)
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            total += float(t.user + t.system)
    return total


@dataclass
class Engines:
    """One PostgreSQL cluster and one Redis shared by every deployment of a run."""

    postgres: Postgres
    redis: Redis

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def fresh_database(self) -> str:
        """An empty database (C collation, as the cluster) for one deployment; Redis emptied too."""
        self.redis.flush()
        return self.postgres.create_database()

    def _pids(self) -> dict[str, int]:
        assert self.postgres.process is not None and self.redis.process is not None
        return {"PostgreSQL": self.postgres.process.pid, "Redis": self.redis.process.pid}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far, by engine."""
        return {name: tree_cpu_seconds(pid) for name, pid in self._pids().items()}

    def pin(self, cpu: int | None) -> None:
        for pid in self._pids().values():
            pin_process_tree(pid, cpu)


@contextlib.contextmanager
def running_engines(cpu: int | None) -> Iterator[Engines]:
    """PostgreSQL (durable) and Redis for the block, pinned to ``cpu``; stopped and removed after."""
    with running_postgres(DURABLE) as postgres, running_redis() as redis:
        engines = Engines(postgres, redis)
        engines.pin(cpu)
        yield engines
