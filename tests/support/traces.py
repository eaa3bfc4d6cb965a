"""Real two-person editing sessions, recorded keystroke by keystroke (shared data next to the clone)."""

from __future__ import annotations

from tests.support.server import REPO

#: ../shared/data/editing-traces next to the clone (or next to the folder of its worktrees).
TRACES = next(
    (d for d in (p / "shared" / "data" / "editing-traces" for p in REPO.parents) if d.is_dir()),
    REPO.parent / "shared" / "data" / "editing-traces",
)
