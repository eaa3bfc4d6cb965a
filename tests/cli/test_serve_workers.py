"""``collab serve --workers N``: refused without PostgreSQL and Redis; with them, N worker processes
on one port, each with its own id, a dead one replaced, all stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.cli import collab
from tests.support.server import REPO, ServerThread, free_port, make_settings

START_TIMEOUT = 60.0


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--workers", "2"], {}),
        ([], {"COLLAB_WORKERS": "3"}),
        (["--workers", "2", "--database", "postgresql://u@127.0.0.1:1/b"], {}),  # no Redis
        (["--workers", "2", "--redis", "redis://127.0.0.1:1/0"], {}),  # no PostgreSQL
        (["--redis", "redis://127.0.0.1:1/0"], {}),  # Redis with SQLite links nothing
    ],
)
def test_several_workers_without_postgresql_and_redis_are_refused(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    out = collab("serve", "--port", str(free_port()), *args, data=tmp_path / "data", env=env)
    assert out.returncode == 2, out.stderr
    assert "PostgreSQL" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_a_worker_count_below_one_is_refused(tmp_path: Path) -> None:
    out = collab("serve", "--workers", "0", data=tmp_path / "data")
    assert out.returncode == 2 and "--workers must be at least 1" in out.stderr


def with_password(url: str, password: str) -> str:
    """The test engine trusts 127.0.0.1: a password in the URL is accepted and ignored."""
    return url.replace("://collab@", f"://collab:{password}@", 1)


def healthz(port: int) -> dict[str, object]:
    """One /healthz over a new connection (so that any worker may take it)."""
    with httpx.Client(timeout=5) as client:
        answer = client.get(f"http://127.0.0.1:{port}/healthz", headers={"Connection": "close"})
    answer.raise_for_status()
    body: dict[str, object] = answer.json()
    return body


def answered_until(
    port: int, process: subprocess.Popen[str], enough: Callable[[set[str]], bool], timeout: float = START_TIMEOUT
) -> set[str]:
    """Ask /healthz over new connections until the workers that answered are ``enough``."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while not enough(seen):
        assert process.poll() is None, f"collab serve exited with {process.returncode}"
        assert time.monotonic() < deadline, f"only {sorted(seen)} answered within {timeout} s"
        try:
            seen.add(str(healthz(port)["worker"]))
        except httpx.HTTPError:
            time.sleep(0.05)  # the port is not open yet, or a worker is being replaced: poll again
    return seen


def pid_of(worker_id: str) -> int:
    """A worker id is host:pid:random."""
    return int(worker_id.split(":")[1])


@pytest.fixture
def workers(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    command = [sys.executable, "-m", "collab", "serve", "--workers", "2", "--port", str(port)]
    command += ["--data", str(tmp_path / "data"), "--database", with_password(postgres_url, "tres-secret")]
    command += ["--redis", redis_url]
    env = {**os.environ, "COLLAB_LOG_LEVEL": "info", "COLLAB_ROOM_GRACE_SECONDS": "0.2"}
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.seek(0)
        output = log.read()
        log.close()
        assert "tres-secret" not in output  # the password is never printed nor logged


def test_two_workers_share_one_port_and_a_dead_one_is_replaced(
    workers: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    process, port = workers
    first = answered_until(port, process, lambda seen: len(seen) >= 2)
    pids = {pid_of(worker) for worker in first}
    children = {child.pid for child in psutil.Process(process.pid).children(recursive=True)}
    assert pids <= children  # the workers are the supervisor's processes
    start = (tmp_path / "serve.log").read_text()
    assert "with 2 worker processes" in start and "postgresql://collab:***@127.0.0.1" in start
    assert "Redis redis://127.0.0.1" in start and f"media files in {tmp_path / 'data' / 'media'}" in start
    # The workers got the parent's --database (a flag, not in their environment): no SQLite file.
    assert not (tmp_path / "data" / "collab.sqlite3").exists()

    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    # The supervisor starts a new worker in its place; then two live workers answer again.
    replaced = answered_until(port, process, lambda seen: any(pid_of(w) not in pids for w in seen))
    [newcomer] = [w for w in replaced if pid_of(w) not in pids]
    assert pid_of(newcomer) in {child.pid for child in psutil.Process(process.pid).children(recursive=True)}
    alive = answered_until(port, process, lambda seen: len({w for w in seen if pid_of(w) != victim}) >= 2)
    assert newcomer in alive and not psutil.pid_exists(victim)  # the supervisor reaped it

    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    for pid in pids - {victim} | {pid_of(newcomer)}:
        assert not psutil.pid_exists(pid)
    with pytest.raises(httpx.HTTPError):
        healthz(port)


@pytest.mark.parametrize("monitoring", [True, False])
def test_healthz_names_its_worker_to_the_monitoring_network_only(tmp_path: Path, monitoring: bool) -> None:
    networks = ("127.0.0.0/8",) if monitoring else ("10.0.0.0/8",)
    settings = make_settings(tmp_path / "data", metrics_networks=networks)
    with ServerThread(settings) as server:
        body = healthz(server.port)
    assert body["status"] == "ok"
    assert body.get("worker") == (settings.worker_id if monitoring else None)


@pytest.mark.parametrize(("trusted", "seen_from_outside"), [(("127.0.0.1",), True), (("10.0.0.5",), False)])
def test_forwarded_addresses_are_believed_from_the_load_balancers_only(
    tmp_path: Path, trusted: tuple[str, ...], seen_from_outside: bool
) -> None:
    """/metrics is for the loopback network: a request relayed by a trusted balancer for an outside
    client is refused; the same header from anyone else changes nothing."""
    settings = make_settings(tmp_path / "data", forwarded_allow_ips=trusted)
    with ServerThread(settings) as server, httpx.Client(timeout=5) as client:
        metrics = client.get(f"http://127.0.0.1:{server.port}/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert metrics.status_code == (404 if seen_from_outside else 200)
