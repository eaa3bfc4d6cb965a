"""Several workers on one PostgreSQL and one Redis (tests/support/workers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collab.settings import Settings
from tests.support.engines import postgres_server, postgres_url, redis_server, redis_url
from tests.support.server import make_settings, run_async
from tests.support.web import DemoSchool, seed_demo_school
from tests.support.workers import Workers, running_workers

__all__ = ["postgres_server", "postgres_url", "redis_server", "redis_url"]


@pytest.fixture
def cluster_settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    """The settings every worker shares: one data directory (the médiathèque), PostgreSQL, Redis."""
    return make_settings(tmp_path / "shared-data", database=postgres_url, redis=redis_url)


@pytest.fixture
def cluster_school(cluster_settings: Settings) -> DemoSchool:
    """The demo school, seeded into the workers' PostgreSQL."""
    return run_async(seed_demo_school, cluster_settings)


@pytest.fixture
def workers(cluster_settings: Settings, cluster_school: DemoSchool) -> Iterator[Workers]:
    """Three workers serving the demo school, each a `collab serve` process of its own."""
    with running_workers(cluster_settings, cluster_settings.database, cluster_settings.redis, count=3) as running:
        yield running
