"""The store on both engines (tests/support/stores.py): every test taking ``store`` runs on SQLite
and on PostgreSQL; so does every test taking ``settings`` (a server on the test's own database)."""

from __future__ import annotations

from tests.support.engines import postgres_url
from tests.support.stores import migrated_postgres_url, postgres_server, postgres_template, settings, store

__all__ = ["migrated_postgres_url", "postgres_server", "postgres_template", "postgres_url", "settings", "store"]
