"""The database interface the store is written against, and its SQLite engine.

The store speaks one SQL: SQLite's, restricted to what PostgreSQL also accepts once
:mod:`collab.store.dialect` has rewritten it (placeholders, DDL types). Two engines implement
:class:`Database`: :class:`SqliteDatabase` here (the embedded default, one process) and
:class:`collab.store.postgres.PostgresDatabase` (several workers). Store modules see only
this interface: reads with :meth:`Database.fetchone` / :meth:`Database.fetchall`, writes in
``async with db.write() as tx`` transactions.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from collab.errors import SchemaError
from collab.store.dialect import split_statements
from collab.store.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

#: One result row: its columns by position.
Row = Sequence[Any]
#: Parameters of one statement: positional (``?``) or named (``:name``).
Params = Sequence[object] | dict[str, object]


#: The databases on which this task holds a write transaction. A read on such a database then
#: (not on the transaction) is a bug on PostgreSQL, where it runs on another connection: it does not
#: see the transaction's writes, and may wait for a connection the pool no longer has. Both engines
#: refuse it, and a nested write (a deadlock on SQLite's lock).
_writing: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar("writing", default=frozenset())


def check_not_writing(db: object) -> None:
    """Refuse a read or a write on ``db`` while this task holds a write transaction on it."""
    if id(db) in _writing.get():
        raise RuntimeError("inside a write transaction, read and write through it (tx.fetchone, tx.execute)")


@contextlib.contextmanager
def writing(db: object) -> Iterator[None]:
    """Mark this task as holding a write transaction on ``db`` for the block."""
    check_not_writing(db)
    token = _writing.set(_writing.get() | {id(db)})
    try:
        yield
    finally:
        _writing.reset(token)


class Reader(Protocol):
    """What reads: a :class:`Database`, or a :class:`Transaction` for reads inside it (a read that
    decides a write must be made in the write's transaction, never on another connection)."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


@dataclasses.dataclass(frozen=True)
class PoolOptions:
    """How the PostgreSQL engine holds its connections (SQLite has one connection and ignores them)."""

    #: Connections opened at start and kept, and at most (per worker process).
    min_size: int = 2
    max_size: int = 10
    #: Seconds to open one connection, and to wait for the first ones when the worker starts.
    connect_timeout: float = 5.0
    #: Seconds a query waits for a free connection before the worker answers 503.
    acquire_timeout: float = 5.0
    #: While PostgreSQL does not answer: seconds between two tries (calls fail at once in between),
    #: and the longest delay between the pool's own reconnection attempts.
    retry_interval: float = 1.0


class Transaction(abc.ABC):
    """The statements of one write transaction (committed when the ``write()`` block ends)."""

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement for every row of parameters."""

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one ``INSERT`` of one row into a table with an ``id`` column; the new row's id."""
        row = await self.fetchone(f"{sql} RETURNING id", params)
        if row is None:
            raise RuntimeError(f"nothing was inserted by {sql[:60]!r}")
        return int(row[0])

    @abc.abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query (or of ``INSERT … RETURNING``), inside this transaction."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query, inside this transaction."""

    @abc.abstractmethod
    async def lock(self, key: str) -> None:
        """Hold ``key`` until this transaction ends: read-then-write blocks on one key run one
        at a time across every worker. (SQLite serializes every write transaction already.)"""

    @abc.abstractmethod
    async def try_lock(self, key: str) -> bool:
        """Hold ``key`` until this transaction ends if nobody holds it; False (at once) if another
        transaction does: for work that one worker does and the others skip (compaction)."""


class Database(abc.ABC):
    """One engine: reads, write transactions and the group commit's batch insert."""

    #: "sqlite" or "postgresql".
    engine: str

    @abc.abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a read."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a read."""

    @abc.abstractmethod
    def write(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed when the block ends, rolled back on error."""

    @abc.abstractmethod
    async def append_updates(self, batch: Sequence[tuple[str, bytes, int | None, float]]) -> list[int]:
        """The group commit: append (doc_id, update, author, time) to each document's log in one
        transaction, after what is there; the sequence number each update got, in order.

        Sequence numbers are assigned by the database, at commit, without gaps: with several
        workers appending to one document, every update still has its own place in one order."""

    @abc.abstractmethod
    async def schema_version(self) -> int:
        """The number of migrations applied."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close every connection."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the data is, for logs and messages (never with a password)."""


async def open_database(target: str | Path, *, synchronous: str = "FULL", pool: PoolOptions | None = None) -> Database:
    """The database at ``target``: a ``postgresql://`` URL (with ``pool``'s sizes and timeouts), or
    the path of a SQLite file."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        # Imported here: psycopg is loaded only by those who use PostgreSQL.
        from collab.store.postgres import PostgresDatabase

        return await PostgresDatabase.open(text, pool or PoolOptions())
    return await SqliteDatabase.open(Path(text), synchronous=synchronous)


class _SqliteTransaction(Transaction):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return int(cur.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return tuple(row) if row is not None else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def lock(self, key: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already holds SQLite's one write lock."""

    async def try_lock(self, key: str) -> bool:
        return True  # the one write lock is held: nobody else holds anything


class SqliteDatabase(Database):
    """One aiosqlite connection in autocommit mode; writes go through :meth:`write`.

    aiosqlite runs every call on the connection's own thread, in order. Write
    transactions are serialized by an asyncio lock so that two coroutines never
    share one transaction.
    """

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, synchronous: str = "FULL") -> SqliteDatabase:
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

    def describe(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        await self.conn.close()

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        check_not_writing(self)
        async with self.conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return tuple(row) if row is not None else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        check_not_writing(self)
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
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
            async with self.write() as tx:
                for statement in split_statements(sql):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version={number}")

    async def append_updates(self, batch: Sequence[tuple[str, bytes, int | None, float]]) -> list[int]:
        """BEGIN, the inserts and COMMIT (with its fsync) in one trip to aiosqlite's thread.

        This process is the only writer (SQLite is the one-process engine), so the rooms' own
        numbering is the log's: each document continues after its highest sequence number."""
        check_not_writing(self)
        async with self._write_lock:
            # aiosqlite has no public "run this callable on the connection's thread".
            seqs: list[int] = await self.conn._execute(_append_updates, self.conn._conn, list(batch))  # type: ignore[no-untyped-call]
        return seqs

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""
        with writing(self):
            async with self._write_lock:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _SqliteTransaction(self.conn)
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


def _append_updates(conn: sqlite3.Connection, batch: list[tuple[str, bytes, int | None, float]]) -> list[int]:
    heads: dict[str, int] = {}
    rows: list[tuple[object, ...]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for doc_id, data, author, at in batch:
            if doc_id not in heads:
                found = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM doc_updates WHERE doc_id = ?", (doc_id,))
                heads[doc_id] = int(found.fetchone()[0])
            heads[doc_id] += 1
            rows.append((doc_id, heads[doc_id], data, author, at))
        conn.executemany(
            "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, ?, ?, ?, ?)", rows
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return [int(row[1]) for row in rows]  # type: ignore[call-overload]


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
        rows = await db.fetchall(f"{select} ({marks})", (bound, *chunk))
        found.update(prefix + bytes(row[0]).hex() for row in rows)
    return found
