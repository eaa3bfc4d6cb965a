"""Real PostgreSQL and Redis for the tests, from Debian's packages (`postgresql`, `redis-server`).

Each engine runs on a free port of 127.0.0.1 in a temporary directory of its own, is polled until it
accepts connections, and is stopped when the session ends (or when starting it failed). A test can stop,
kill and restart an engine (`stop()`, `crash()`, `restart()`): the port and, for PostgreSQL, the data stay.

`initdb` and `postgres` refuse to run as root, and CI runs as root: there they run as the `postgres` user
that Debian's package creates, on a directory handed to that user. A missing engine is a
failure, never a skip, with the command that installs it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.support.server import free_port

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
POLL = 0.05


class EngineError(RuntimeError):
    """An engine did not start or stop in time; the message carries the end of its log."""


def engine_missing(reason: str) -> NoReturn:
    """A test needs an engine this machine lacks: a failure, never a skip (as for Chromium)."""
    pytest.fail(f"{reason} (the engines are required by the tests; .ci/run installs them)", pytrace=False)


def wait_until(ready: Callable[[], bool], alive: Callable[[], bool], what: str, log: Path, timeout: float) -> None:
    """Poll ``ready`` until it holds; fail early if the process died, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not alive():
            raise EngineError(f"{what} exited while starting:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise EngineError(f"{what} did not accept connections within {timeout:.0f} s:\n{tail(log)}")
        time.sleep(POLL)


def tail(log: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


def stop_process(process: subprocess.Popen[bytes], sig: signal.Signals, timeout: float = STOP_TIMEOUT) -> None:
    """Send ``sig`` and wait for the process to exit; SIGKILL it if it outlives ``timeout``."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def engine_user() -> dict[str, Any]:
    """Popen arguments that drop root to Debian's `postgres` user (no change when not root)."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        engine_missing("PostgreSQL refuses to run as root and there is no `postgres` user: apt-get install postgresql")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def postgres_bin_dir() -> Path:
    """The newest server installed by Debian (/usr/lib/postgresql/<version>/bin), or $PG_BIN."""
    configured = os.environ.get("PG_BIN")
    directories = [Path(configured)] if configured else list(Path("/usr/lib/postgresql").glob("*/bin"))
    candidates = [d for d in directories if (d / "initdb").exists() and (d / "postgres").exists()]
    if not candidates:
        engine_missing("PostgreSQL is not installed: apt-get install -y postgresql")
    return max(candidates, key=lambda d: int(re.sub(r"\D", "", d.parent.name) or 0))


def redis_server_path() -> str:
    path = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if path is None:
        engine_missing("Redis is not installed: apt-get install -y redis-server")
    return path


class Postgres:
    """A PostgreSQL cluster of its own: superuser `collab`, trust authentication on 127.0.0.1 only.

    ``settings`` are passed as `-c name=value`; by default fsync is off, which a test can afford: the
    scenarios here kill processes, never the machine, and a killed server loses nothing it committed
    (synchronous_commit stays on). A benchmark of durability passes ``{"fsync": "on"}``.
    """

    user = "collab"

    def __init__(self, root: Path, settings: dict[str, str] | None = None) -> None:
        self.bin = postgres_bin_dir()
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.settings = {"fsync": "off", "max_connections": "200", **(settings or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._as_postgres = engine_user()
        self._initdb()

    def _initdb(self) -> None:
        if self._as_postgres:
            os.chown(self.root, self._as_postgres["user"], self._as_postgres["group"])
        command = [str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust"]
        command += ["--encoding=UTF8", "--no-locale", "--no-sync"]
        done = subprocess.run(command, capture_output=True, cwd=self.root, check=False, **self._as_postgres)
        if done.returncode != 0:
            raise EngineError(f"initdb failed:\n{done.stdout.decode()}{done.stderr.decode()}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2) as connection:
                connection.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def start(self) -> None:
        if self.running:
            return
        command = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root)]
        command += ["-c", "listen_addresses=127.0.0.1"]
        for name, value in self.settings.items():
            command += ["-c", f"{name}={value}"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root, **self._as_postgres
            )
        try:
            wait_until(self.accepts_connections, lambda: self.running, "PostgreSQL", self.log, START_TIMEOUT)
        except EngineError:
            self.crash()
            raise

    def stop(self) -> None:
        """A clean ("fast") shutdown: sessions are ended, a checkpoint keeps everything committed."""
        if self.process is not None:
            stop_process(self.process, signal.SIGINT)

    def crash(self) -> None:
        """An immediate shutdown, as after a crash: the next start replays the WAL."""
        if self.process is not None:
            stop_process(self.process, signal.SIGQUIT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Redis:
    """A Redis server of its own, without persistence: a restart starts it empty, as the worst case."""

    def __init__(self, root: Path) -> None:
        self.executable = redis_server_path()
        self.root = root
        self.log = root / "redis.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def accepts_connections(self) -> bool:
        client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        if self.running:
            return
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root)
        try:
            wait_until(self.accepts_connections, lambda: self.running, "Redis", self.log, START_TIMEOUT)
        except EngineError:
            self.crash()
            raise

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM)

    def crash(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            client.flushall()
        finally:
            client.close()


@contextlib.contextmanager
def engine_directory(prefix: str) -> Iterator[Path]:
    # Not under pytest's tmp_path: that tree is private to root, and PostgreSQL runs as `postgres`.
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def running_postgres(settings: dict[str, str] | None = None) -> Iterator[Postgres]:
    """A PostgreSQL started for the block, stopped and removed after it, whatever happens."""
    with engine_directory("binome-pg-") as root:
        server = Postgres(root, settings)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def running_redis() -> Iterator[Redis]:
    """A Redis started for the block, stopped and removed after it, whatever happens."""
    with engine_directory("binome-redis-") as root:
        server = Redis(root)
        try:
            server.start()
            yield server
        finally:
            server.stop()


# Fixtures. A conftest exposes them by importing them (tests/engines/conftest.py does), or every
# test directory at once with `pytest_plugins = ["tests.support.engines"]` in tests/conftest.py.
# Session scope: each pytest-xdist worker starts its own engines, once.


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    with running_redis() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: Postgres) -> Iterator[str]:
    """An empty database for this test alone (the server restarted first if a test left it stopped)."""
    postgres_server.start()
    url = postgres_server.create_database()
    yield url
    postgres_server.start()
    postgres_server.drop_database(url)


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    """The session's Redis, running and empty."""
    redis_server.start()
    redis_server.flush()
    return redis_server.url
