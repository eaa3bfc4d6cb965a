"""The ``collab`` command line, run as users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.server import REPO


def collab(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collab", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
