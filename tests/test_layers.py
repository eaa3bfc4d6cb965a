"""The dependency rule (pyproject.toml's import-linter contracts) holds, and it does catch a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the ``collab`` package found under ``root``, with ``root``'s contracts."""
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "collab", root / "collab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "contract", "refusal"),
    [
        # The store reaching up to the web helpers.
        (
            "collab/store/database.py",
            "import collab.web.notices",
            "Layers",
            "collab.store is not allowed to import collab.web",
        ),
        # The real-time core reaching up to a feature.
        (
            "collab/realtime/protocol.py",
            "import collab.blog.atom",
            "Layers",
            "collab.realtime is not allowed to import collab.blog",
        ),
        # A feature importing another one outside the listed edges (the blog is no one's dependency).
        (
            "collab/mediatheque/phrases.py",
            "import collab.blog.atom",
            "Features are independent",
            "collab.mediatheque is not allowed to import collab.blog",
        ),
        # A feature opening the database itself.
        (
            "collab/blog/atom.py",
            "import sqlite3",
            "SQL only in the store",
            "collab.blog is not allowed to import sqlite3",
        ),
        # The kernel doing I/O.
        (
            "collab/models.py",
            "import starlette.requests",
            "The kernel does no I/O",
            "collab.models is not allowed to import starlette",
        ),
    ],
)
def test_a_wrong_import_fails_with_the_name_of_its_rule(
    tmp_path: Path, module: str, line: str, contract: str, refusal: str
) -> None:
    root = copy_of_the_tree(tmp_path)
    path = root / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert any(row.startswith(contract) and " BROKEN" in row for row in result.stdout.splitlines()), result.stdout
    assert refusal in result.stdout, result.stdout


def test_a_new_package_must_be_placed_in_a_layer(tmp_path: Path) -> None:
    root = copy_of_the_tree(tmp_path)
    (root / "collab" / "newfeature").mkdir()
    (root / "collab" / "newfeature" / "__init__.py").write_text('"""A feature nobody placed."""\n')
    result = lint_imports(root)
    assert result.returncode != 0
    assert "collab.newfeature" in result.stdout + result.stderr
