"""The store on both engines (tests/support/stores.py): every test taking ``store`` runs on SQLite
and on PostgreSQL."""

from tests.support.engines import postgres_url
from tests.support.stores import migrated_postgres_url, postgres_server, postgres_template, store

__all__ = ["migrated_postgres_url", "postgres_server", "postgres_template", "postgres_url", "store"]
