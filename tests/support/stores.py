"""The store on each engine, for tests that must hold on both: SQLite in a file of the test's own,
PostgreSQL in a fresh database of the test's own.

Migrating a PostgreSQL database takes longer than copying one: each test process migrates one
template database once, and every test's database is a copy of it (``CREATE DATABASE … TEMPLATE``).
A conftest exposes the fixtures by importing them (see tests/store/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from collab.settings import Settings
from collab.store import PoolOptions, Store
from collab.store.postgres import PostgresDatabase
from tests.support.engines import Postgres, postgres_server
from tests.support.server import make_settings, run_async

ENGINES = ("sqlite", "postgres")
#: Small pools: a test process holds a few databases at once, the server 200 connections.
TEST_POOL = PoolOptions(min_size=1, max_size=4, connect_timeout=5.0, acquire_timeout=5.0, retry_interval=0.2)


class PostgresTemplate:
    """A migrated database of the session's PostgreSQL, copied for each test."""

    def __init__(self, server: Postgres) -> None:
        self.server = server
        self.name = f"binome_template_{uuid.uuid4().hex[:12]}"
        server.start()
        with psycopg.connect(server.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        run_async(self._migrate)

    async def _migrate(self) -> None:
        db = await PostgresDatabase.open(self.server.url(self.name), TEST_POOL)
        await db.close()

    def copy(self) -> str:
        """A new database with every migration applied; its URL."""
        self.server.start()  # a test may have left it stopped
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.server.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return self.server.url(name)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: Postgres) -> PostgresTemplate:
    return PostgresTemplate(postgres_server)


@pytest.fixture
def migrated_postgres_url(postgres_template: PostgresTemplate) -> Iterator[str]:
    """A migrated database for this test alone (dropped after it)."""
    url = postgres_template.copy()
    yield url
    postgres_template.server.start()
    postgres_template.server.drop_database(url)


async def open_store(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """The store of this test on ``engine``."""
    if engine == "sqlite":
        return await Store.open(tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite3")
    url = request.getfixturevalue("migrated_postgres_url")
    return await Store.open(url, pool=TEST_POOL)


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The store on each engine in turn: a test using it runs on SQLite, then on PostgreSQL."""
    opened = await open_store(request.param, tmp_path, request)
    yield opened
    await opened.close()


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The settings of a server on each engine in turn: the data directory's SQLite file, then a
    migrated PostgreSQL database of the test's own (a conftest that imports it overrides the
    root one for its directory)."""
    if request.param == "sqlite":
        return make_settings(tmp_path / "data")
    return make_settings(tmp_path / "data", database=request.getfixturevalue("migrated_postgres_url"))


__all__ = ["migrated_postgres_url", "postgres_server", "postgres_template", "settings", "store"]
