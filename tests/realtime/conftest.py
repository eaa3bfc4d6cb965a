"""The real-time core on both engines: every test of this directory that takes ``settings`` (a
server, the demo school) runs on SQLite, then on PostgreSQL (a fresh migrated database of its own,
tests/support/stores.py). The bus's tests use a real Redis (tests/support/engines.py)."""

from __future__ import annotations

from tests.support.engines import postgres_url, redis_server, redis_url
from tests.support.stores import migrated_postgres_url, postgres_server, postgres_template, settings, store

__all__ = [
    "migrated_postgres_url",
    "postgres_server",
    "postgres_template",
    "postgres_url",
    "redis_server",
    "redis_url",
    "settings",
    "store",
]
