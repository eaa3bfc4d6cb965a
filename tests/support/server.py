"""A live Binôme for tests: uvicorn in a thread (or ``collab serve`` in a process) on a free port."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import uvicorn
import uvloop

from collab.app import BinomeApp
from collab.realtime.hub import Hub
from collab.server import uvicorn_config
from collab.settings import Settings
from tests.support.yclient import YClient

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")
#: Tests hash new passwords at argon2's lowest cost (COLLAB_ARGON2_*: a check uses the cost written in
#: its hash): a sign-in costs a millisecond instead of a third of a second.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64}


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
    return base.with_overrides(**{**FAST_ARGON2, **overrides})


class LiveServer:
    """What tests need of a running server: its port and clients for its documents."""

    port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
        # The listening socket is bound here and handed to uvicorn: no other process can take the
        # port between choosing it and listening on it (engines and servers start in parallel).
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.config = uvicorn_config(settings, port=self.port)
        self.server = uvicorn.Server(self.config)
        self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))
        finally:
            self.loop.close()
            self.socket.close()

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


class ServerProcess(LiveServer):
    """``collab serve`` as a subprocess, for tests that kill it."""

    def __init__(self, settings: Settings, **env: str) -> None:
        self.settings = settings
        self.env = env
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> ServerProcess:
        env = {
            **os.environ,
            "COLLAB_LOG_LEVEL": "warning",
            "COLLAB_ROOM_GRACE_SECONDS": "0.2",
            "COLLAB_ARGON2_TIME_COST": str(self.settings.argon2_time_cost),
            "COLLAB_ARGON2_MEMORY_KIB": str(self.settings.argon2_memory_kib),
            # The settings' database and Redis (PostgreSQL for the tests that run on both engines).
            **({"COLLAB_DATABASE": self.settings.database} if self.settings.database else {}),
            **({"COLLAB_REDIS": self.settings.redis} if self.settings.redis else {}),
            **self.env,
        }
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
