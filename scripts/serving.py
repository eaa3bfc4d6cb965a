"""A Binôme server in a subprocess on a free port, for the measuring scripts of this folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(repo: Path, data: Path, port: int, *, demo: bool = False, timeout: float = 60) -> subprocess.Popen[bytes]:
    """``collab serve`` of the checkout ``repo`` on ``port``, once ``/healthz`` answers."""
    env = {**os.environ, "COLLAB_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "collab", "serve", *(["--demo"] if demo else []), "--data", str(data)]
    proc = subprocess.Popen([*command, "--port", str(port)], cwd=repo, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")
