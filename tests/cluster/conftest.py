"""Several workers on one PostgreSQL and one Redis (tests/support/workers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collab.settings import Settings
from tests.support.engines import postgres_server, postgres_url, redis_server, redis_url
from tests.support.server import make_settings, run_async
from tests.support.web import DemoSchool, seed_demo_school

__all__ = ["postgres_server", "postgres_url", "redis_server", "redis_url"]


@pytest.fixture
def cluster_settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    """The settings every worker shares: one data directory (the médiathèque), PostgreSQL, Redis."""
    return make_settings(tmp_path / "shared-data", database=postgres_url, redis=redis_url)


@pytest.fixture
def cluster_school(cluster_settings: Settings) -> DemoSchool:
    """The demo school, seeded into the workers' PostgreSQL."""
    return run_async(seed_demo_school, cluster_settings)
