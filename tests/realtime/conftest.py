"""The real-time core on both engines: every test of this directory that takes ``settings`` (a
server, the demo school) runs on SQLite, then on PostgreSQL (a fresh migrated database of its own,
tests/support/stores.py). The bus's tests use a real Redis (tests/support/engines.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collab.settings import Settings
from tests.support.engines import postgres_url, redis_server, redis_url
from tests.support.server import make_settings
from tests.support.stores import ENGINES, migrated_postgres_url, postgres_server, postgres_template, store

__all__ = [
    "migrated_postgres_url",
    "postgres_server",
    "postgres_template",
    "postgres_url",
    "redis_server",
    "redis_url",
    "store",
]


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return make_settings(tmp_path / "data")
    return make_settings(tmp_path / "data", database=request.getfixturevalue("migrated_postgres_url"))
