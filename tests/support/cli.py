"""The ``collab`` command line, run as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.server import REPO


def collab(*args: str, data: Path | None, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``collab ARGS --data DATA`` (no ``--data`` when ``data`` is None), with ``env`` added to
    this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "collab", *args, *(("--data", str(data)) if data is not None else ())],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )
