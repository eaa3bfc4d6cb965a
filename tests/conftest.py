"""Fixtures: a real uvicorn serving Binôme on a free port, and seeded accounts."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import pytest
import uvicorn
import uvloop
from pycrdt import Doc, Text
from starlette.testclient import TestClient

from collab.app import BinomeApp, create_app
from collab.models import Access, Role
from collab.realtime.hub import Hub
from collab.server import uvicorn_config
from collab.settings import Settings
from collab.store import Store
from tests.support.web import DemoSchool, browser, seed_demo_school, sign_in_as
from tests.support.yclient import YClient

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")
#: A test's ``record_property`` of this name is printed at the end of the run (also from xdist workers).
SUMMARY_PROPERTY = "summary"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what tests asked to show (the dense dictations' score per category, …) after the run."""
    for reports in (terminalreporter.stats.get("passed", []), terminalreporter.stats.get("failed", [])):
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == SUMMARY_PROPERTY and report.when == "call":
                    terminalreporter.write_sep("-", report.nodeid.split("::")[-1])
                    terminalreporter.write_line(str(value))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def run_async(function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run a coroutine function to completion from sync code, even where an event loop is
    already running in this thread (Playwright's sync API keeps one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, function, *args).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    base = Settings(data_dir=data_dir, host="127.0.0.1", room_grace_seconds=0.2, log_level="warning")
    return base.with_overrides(**overrides)


class LiveServer:
    """What tests need of a running server: its port and clients for its documents."""

    port: int

    def doc_url(self, doc_id: str, token: str | None = None) -> str:
        query = f"?token={token}" if token is not None else ""
        return f"ws://127.0.0.1:{self.port}/ws/doc/{doc_id}{query}"

    async def open(self, doc_id: str, token: str, **kwargs: Any) -> YClient:
        """A client connected to ``doc_id`` and synced with the server."""
        client = await YClient.connect(self.doc_url(doc_id, token), **kwargs)
        await client.wait_synced()
        return client


class ServerThread(LiveServer):
    """uvicorn in a thread of its own, with its own event loop (as in production)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.config = uvicorn_config(settings, port=self.port)
        self.server = uvicorn.Server(self.config)
        self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())
        self.loop.close()

    @property
    def app(self) -> BinomeApp:
        app = self.config.app
        assert isinstance(app, BinomeApp)
        return app

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's own event loop (the hub lives there)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    async def wait_no_connections(self, seconds: float = 10.0) -> None:
        """Wait until uvicorn has seen every client connection go away."""
        with anyio.fail_after(seconds):
            while self.server.server_state.connections:
                await asyncio.sleep(0.02)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, timeout: float = 15.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise RuntimeError("server did not stop")


@dataclass
class Pair:
    doc: str
    token_a: str
    token_b: str
    token_reader: str
    token_outsider: str
    other_doc: str = ""
    extra: dict[str, str] = field(default_factory=dict)


async def seed_pair(settings: Settings, doc: str = "doc-1") -> Pair:
    """Two writers and a reader on ``doc``; an outsider who writes another document."""
    store = await Store.open(settings.database_path)
    try:
        a = await store.accounts.ensure_user(f"{doc}-a", "Léa", Role.PUPIL)
        b = await store.accounts.ensure_user(f"{doc}-b", "Noé", Role.PUPIL)
        reader = await store.accounts.ensure_user(f"{doc}-teacher", "Mme Durand", Role.TEACHER)
        outsider = await store.accounts.ensure_user(f"{doc}-other", "Zoé", Role.PUPIL)
        await store.documents.ensure_document(doc, "Dictée")
        await store.documents.set_members(doc, [(a.id, Access.WRITE), (b.id, Access.WRITE), (reader.id, Access.READ)])
        other = f"{doc}-other-doc"
        await store.documents.ensure_document(other, "Autre texte")
        await store.documents.set_members(other, [(outsider.id, Access.WRITE)])
        return Pair(
            doc=doc,
            token_a=await store.accounts.create_token(a.id),
            token_b=await store.accounts.create_token(b.id),
            token_reader=await store.accounts.create_token(reader.id),
            token_outsider=await store.accounts.create_token(outsider.id),
            other_doc=other,
        )
    finally:
        await store.close()


def update_inserting(text: str) -> bytes:
    """The update of a fresh client typing ``text`` into the shared text."""
    doc: Doc[Any] = Doc()
    doc.get("text", type=Text).insert(0, text)
    return doc.get_update()


def two_updates(first: str, second: str) -> tuple[bytes, bytes]:
    """Two successive updates of one client: the second depends on the first."""
    doc: Doc[Any] = Doc()
    text = doc.get("text", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    text.insert(0, first)
    text.insert(len(first), second)
    return updates[0], updates[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def seeded_school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSchool]:
    """The demo school seeded once per test process (seeding hashes passwords and writes the
    médiathèque: about two seconds), kept as a data directory that each test copies."""
    data_dir = tmp_path_factory.mktemp("seeded-school") / "data"
    return data_dir, run_async(seed_demo_school, make_settings(data_dir))


@pytest.fixture
def school(settings: Settings, seeded_school: tuple[Path, DemoSchool]) -> DemoSchool:
    """The demo École Jean Macé, plus a CE2 class with one pupil (Tom): a fresh copy of the
    session's seeded data directory in this test's own data directory."""
    template, demo = seeded_school
    if settings.database_path.exists():  # the test wrote its own data first: seed into it
        return run_async(seed_demo_school, settings)
    shutil.copytree(template, settings.data_dir, dirs_exist_ok=True)
    return dataclasses.replace(demo)


@pytest.fixture
def client(settings: Settings, school: DemoSchool) -> Iterator[TestClient]:
    """A browser-like client of an app serving the demo school."""
    with TestClient(create_app(settings), base_url="http://127.0.0.1", follow_redirects=False) as test_client:
        yield test_client


#: ``as_who("parent")``: a browser (a TestClient of its own) signed in as that person.
AsWho = Callable[[str], TestClient]


@pytest.fixture
def as_who(settings: Settings, school: DemoSchool) -> Iterator[AsWho]:
    """Browsers signed in as "lea", "teacher", "parent"… (see tests.support.web.sign_in_as), each with its
    own session, closed at the end of the test."""
    with contextlib.ExitStack() as stack:

        def open_as(who: str) -> TestClient:
            client = stack.enter_context(browser(settings))
            sign_in_as(client, who, school)
            return client

        yield open_as


@pytest.fixture
def server(settings: Settings) -> Iterator[ServerThread]:
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def pair(settings: Settings) -> Pair:
    return run_async(seed_pair, settings)


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        yield client


class ServerProcess(LiveServer):
    """``collab serve`` as a subprocess, for tests that kill it."""

    def __init__(self, settings: Settings, **env: str) -> None:
        self.settings = settings
        self.env = env
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> ServerProcess:
        env = {**os.environ, "COLLAB_LOG_LEVEL": "warning", "COLLAB_ROOM_GRACE_SECONDS": "0.2", **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collab", "serve", "--data", str(self.settings.data_dir), "--port", str(self.port)],
            env=env,
            cwd=REPO,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no shutdown handler runs
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
