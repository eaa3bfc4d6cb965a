"""The SQLite connection: WAL mode, migrations, and serialized write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from collab.errors import SchemaError
from collab.store.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)


class Database:
    """One aiosqlite connection in autocommit mode; writes go through :meth:`write`.

    aiosqlite runs every call on the connection's own thread, in order. Write
    transactions are serialized by an asyncio lock so that two coroutines never
    share one transaction.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, synchronous: str = "FULL") -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            db = cls(conn, path)
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply the migrations this database lacks; refuse a database from the future."""
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaError(
                f"{self.path} has schema version {current}, but this Binôme knows only "
                f"up to {SCHEMA_VERSION}: upgrade Binôme instead of downgrading the data"
            )
        for number, (name, sql) in enumerate(MIGRATIONS[current:], start=current + 1):
            log.info("applying migration %s", name)
            async with self.write() as conn:
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version={number}")

    async def write_many(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        """One write transaction of ``executemany`` in a single trip to the database thread.

        The group commit's hot path: BEGIN, the inserts and COMMIT (with its fsync) run
        together on aiosqlite's thread instead of three round trips through the event loop.
        """
        async with self._write_lock:
            # aiosqlite has no public "run this callable on the connection's thread".
            await self.conn._execute(_write_many, self.conn._conn, sql, rows)  # type: ignore[no-untyped-call]

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")


def backup_database(source: Path, target: Path) -> None:
    """A consistent copy of the database file, safe while a server is writing to it.

    SQLite's online backup copies page by page under SQLite's own locking, so the
    copy is a snapshot of one committed state; the WAL is folded into the copy.
    """
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source)
    try:
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        src.close()
    partial.replace(target)


def _write_many(conn: sqlite3.Connection, sql: str, rows: list[tuple[object, ...]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(sql, rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (no ";" in our literals or comments)."""
    return [s.strip() for s in script.split(";") if s.strip()]


#: Hashes per query when checking many credentials at once (SQLite allows 32,766 parameters).
_CREDENTIALS_PER_QUERY = 500


async def valid_credentials(
    db: Database, prefix: str, credentials: Iterable[str], select: str, bound: float
) -> set[str]:
    """The credentials (``prefix`` + hash in hex) whose hash ``select … IN (…)`` finds, given
    ``bound`` as its first parameter: those still valid."""
    hashes = []
    for credential in credentials:
        if credential.startswith(prefix):
            with contextlib.suppress(ValueError):
                hashes.append(bytes.fromhex(credential[len(prefix) :]))
    found: set[str] = set()
    for start in range(0, len(hashes), _CREDENTIALS_PER_QUERY):
        chunk = hashes[start : start + _CREDENTIALS_PER_QUERY]
        marks = ",".join("?" for _ in chunk)
        async with db.conn.execute(f"{select} ({marks})", (bound, *chunk)) as cur:
            found.update(prefix + bytes(row[0]).hex() for row in await cur.fetchall())
    return found
