"""Several Binôme workers on one PostgreSQL and one Redis, each a `collab serve` process of its own
(so that a test can kill -9 one of them), sharing one data directory for the médiathèque."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from collab.settings import Settings
from tests.support.pupils import Pupil
from tests.support.server import ServerProcess
from tests.support.yclient import YClient


class Workers:
    """``count`` workers; ``workers[i]`` is the i-th (a ServerProcess: port, doc_url, kill, stop)."""

    def __init__(self, settings: Settings, database: str, redis: str, count: int = 3) -> None:
        self.settings = settings
        self.database = database
        self.redis = redis
        self.processes = [self._process() for _ in range(count)]

    def _process(self) -> ServerProcess:
        return ServerProcess(self.settings, COLLAB_DATABASE=self.database, COLLAB_REDIS=self.redis)

    def __getitem__(self, index: int) -> ServerProcess:
        return self.processes[index]

    def start(self) -> Workers:
        for process in self.processes:
            process.start(timeout=30)
        return self

    def restart(self, index: int) -> ServerProcess:
        """A new process in place of the i-th (after a kill), on a new port."""
        self.processes[index].stop()
        self.processes[index] = self._process().start(timeout=30)
        return self.processes[index]

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(Exception):
                process.stop()


@contextlib.contextmanager
def running_workers(settings: Settings, database: str, redis: str, count: int = 3) -> Iterator[Workers]:
    workers = Workers(settings, database, redis, count)
    try:
        yield workers.start()
    finally:
        workers.stop()


def shared_data(tmp: Path) -> Path:
    """The data directory every worker shares (the médiathèque's files)."""
    path = tmp / "shared-data"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def join_on(worker: ServerProcess, doc: str, pupil: Pupil, client: YClient | None = None) -> YClient:
    """A tablet of ``pupil`` on this worker (with the document it already holds, after a reconnect)."""
    joined = await YClient.connect(
        worker.doc_url(doc),
        doc=client.doc if client is not None else None,
        additional_headers={"Cookie": f"binome_session={pupil.cookie}"},
    )
    await joined.wait_synced(10)
    return joined
