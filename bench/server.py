"""The server under test: ``collab serve`` as a pinned subprocess, and what we can read from outside."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import psutil  # type: ignore[import-untyped,unused-ignore]

HOST = "127.0.0.1"
#: pids of the servers started and not yet reaped: ``kill_leftovers`` ends them if a phase is interrupted
_LIVE: set[int] = set()


def kill_leftovers() -> None:
    for pid in list(_LIVE):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _LIVE.discard(pid)


def collab_command() -> list[str]:
    """The ``collab`` console script of this virtualenv (or ``python -m collab``)."""
    script = Path(sys.executable).parent / "collab"
    return [str(script)] if script.exists() else [sys.executable, "-m", "collab"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


async def loadtest_setup(data_dir: Path, pairs: int, env: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """``collab loadtest-setup`` (in ``env``'s database, e.g. ``COLLAB_DATABASE``, else the data
    directory's); returns its JSON lines (doc, token_a, token_b, token_observer)."""
    import json

    out = data_dir / "pairs.jsonl"
    proc = await asyncio.create_subprocess_exec(
        *collab_command(),
        "loadtest-setup",
        "--pairs",
        str(pairs),
        "--data",
        str(data_dir),
        "--out",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"collab loadtest-setup failed ({proc.returncode}): {err.decode(errors='replace')}")
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {"name{labels}": value} (comments skipped)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            out[name] = float(value)
    return out


class Server:
    """One run of ``collab serve`` on a free port, pinned to ``cpu`` with taskset; its output goes
    to ``<data_dir>/<name>.log`` (several workers share one data directory)."""

    def __init__(
        self, data_dir: Path, *, cpu: int | None, env: Mapping[str, str] | None = None, name: str = "server"
    ) -> None:
        self.data_dir = data_dir
        self.cpu = cpu
        self.env = dict(env or {})
        self.port = free_port()
        self.log_path = data_dir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.ps: psutil.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def ws_url(self, doc: str, token: str) -> str:
        return f"ws://{HOST}:{self.port}/ws/doc/{doc}?token={token}"

    async def start(self, ready_timeout: float = 60.0) -> None:
        command = [*collab_command(), "serve", "--data", str(self.data_dir), "--host", HOST, "--port", str(self.port)]
        if self.cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(self.cpu), *command]
        env = {**os.environ, "COLLAB_LOG_LEVEL": "warning", **self.env}
        with open(self.log_path, "ab") as log:  # noqa: ASYNC230 - opening a log file is instant
            self.proc = await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log)
        _LIVE.add(self.proc.pid)
        self.ps = psutil.Process(self.proc.pid)
        await self._wait_ready(ready_timeout)

    async def _wait_ready(self, within: float) -> None:
        """Poll /healthz (the only signal a separate process gives) until it answers."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.returncode is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                await self.get("/healthz", within=1.0)
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"server not ready after {within} s; see {self.log_path}")

    async def get(self, path: str, within: float = 10.0) -> bytes:
        def fetch() -> bytes:
            with urllib.request.urlopen(self.base_url + path, timeout=within) as response:
                body: bytes = response.read()
                return body

        return await asyncio.to_thread(fetch)

    async def metrics(self) -> dict[str, float]:
        return parse_metrics((await self.get("/metrics")).decode("utf-8"))

    async def wait_metric(self, name: str, predicate: Callable[[float], bool], within: float = 60.0) -> float:
        """Poll /metrics (a separate process gives no other signal) until ``predicate(value)``."""
        deadline = time.monotonic() + within
        value = float("nan")
        while time.monotonic() < deadline:
            value = (await self.metrics()).get(name, float("nan"))
            if predicate(value):
                return value
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{name} = {value} after {within} s")

    def rss(self) -> int:
        assert self.ps is not None
        return int(self.ps.memory_info().rss)

    def thread_cpu_seconds(self) -> dict[int, float]:
        """CPU seconds per server thread (the event loop is the thread whose id is the pid)."""
        assert self.ps is not None
        try:
            return {t.id: float(t.user_time + t.system_time) for t in self.ps.threads()}
        except psutil.Error:
            return {}

    def cpu_seconds(self) -> float:
        assert self.ps is not None
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    async def stop(self, within: float = 60.0) -> int | None:
        """Graceful stop (SIGINT: uvicorn finishes, the hub snapshots every room); kill on timeout."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(within):
                code = await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        _LIVE.discard(self.proc.pid)
        return code

    async def kill(self) -> None:
        """kill -9: no shutdown, no snapshot."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
            _LIVE.discard(self.proc.pid)

    def log_lines(self, since: int = 0) -> list[str]:
        if not self.log_path.exists():
            return []
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[since:]


class HasRss(Protocol):
    def rss(self) -> int: ...


class RssSampler:
    """Samples the server's RSS (a cluster's: its workers' sum) every ``interval`` seconds; keeps the peak."""

    def __init__(self, server: HasRss, interval: float = 0.5) -> None:
        self.server = server
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.server.rss())
                self.samples += 1
            await asyncio.sleep(self.interval)

    async def stop(self) -> int:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(psutil.Error):
            self.peak = max(self.peak, self.server.rss())
        return self.peak
