"""The store layer: the only place with SQL.

Two engines behind one :class:`Database`: SQLite (a file path: the embedded default) and PostgreSQL
(a ``postgresql://`` URL: :class:`collab.store.postgres.PostgresDatabase`, imported only when used,
so that the embedded default does not load psycopg).
"""

from __future__ import annotations

from pathlib import Path

from collab.store.accounts import AccountStore
from collab.store.blog import BlogStore
from collab.store.database import (
    Database,
    PoolOptions,
    Reader,
    SqliteDatabase,
    Transaction,
    backup_database,
    open_database,
)
from collab.store.documents import DocumentStore
from collab.store.followup import FollowUpStore
from collab.store.media import MediaStore
from collab.store.pairs import PairStore
from collab.store.privacy import PrivacyStore
from collab.store.schools import SchoolStore
from collab.store.sessions import SessionStore
from collab.store.tasks import TaskStore
from collab.store.throttles import ThrottleStore
from collab.store.update_log import UpdateLog

__all__ = [
    "AccountStore",
    "BlogStore",
    "Database",
    "DocumentStore",
    "FollowUpStore",
    "MediaStore",
    "PairStore",
    "PoolOptions",
    "PrivacyStore",
    "Reader",
    "SchoolStore",
    "SessionStore",
    "SqliteDatabase",
    "Store",
    "ThrottleStore",
    "Transaction",
    "UpdateLog",
    "backup_database",
    "open_database",
]


class Store:
    """The database and its areas, opened and closed together."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts = AccountStore(db)
        self.documents = DocumentStore(db)
        self.schools = SchoolStore(db)
        self.pairs = PairStore(db)
        self.sessions = SessionStore(db)
        self.privacy = PrivacyStore(db)
        self.media = MediaStore(db)
        self.tasks = TaskStore(db)
        self.blog = BlogStore(db)
        self.follow_up = FollowUpStore(db)
        self.throttles = ThrottleStore(db)

    @classmethod
    async def open(cls, target: str | Path, *, synchronous: str = "FULL", pool: PoolOptions | None = None) -> Store:
        """The store at ``target``: a SQLite file's path, or a ``postgresql://`` URL (whose
        connections ``pool`` sizes)."""
        return cls(await open_database(target, synchronous=synchronous, pool=pool))

    async def close(self) -> None:
        await self.db.close()
