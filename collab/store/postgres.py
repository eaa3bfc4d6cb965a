"""The PostgreSQL engine: several worker processes, on one or several machines, share one database.

psycopg 3 with psycopg_pool's :class:`AsyncConnectionPool`: reads run on a pooled connection in
autocommit; ``write()`` is one READ COMMITTED transaction on one pooled connection;
:meth:`Transaction.lock` is a transaction-scoped advisory lock, so that a read-then-write block on
one key runs one at a time across every worker. The store's SQL is SQLite's, rewritten by
:mod:`collab.store.dialect`.

While PostgreSQL does not answer, every call raises :class:`StorageUnavailable` (503) at once,
instead of waiting for the pool; one call in a while (``PoolOptions.retry_interval``) tries a new
connection, and the first that succeeds clears the pool of its dead connections: the next request
works within about a second of PostgreSQL's return (psycopg_pool's own reconnection doubles its
delay without bound; here its attempts give up after ``retry_interval`` and the pool grows again
on demand).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection, IsolationLevel
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from collab.errors import SchemaError, StorageUnavailable
from collab.store.database import Database, Params, PoolOptions, Row, Transaction, check_not_writing, writing
from collab.store.dialect import ddl_to_postgres, to_postgres
from collab.store.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

Connection = AsyncConnection[tuple[Any, ...]]

#: The advisory lock every worker takes to migrate: N workers starting at once migrate once.
_MIGRATION_LOCK = "binome:migrations"
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
#: SQLSTATEs of a server that went away (the 08 class is "connection exception").
_GONE = {"57P01", "57P02", "57P03"}

#: The group commit in one statement, after each document's advisory lock: each update gets the
#: next sequence number of its document (its highest, read through the primary key, + its rank in
#: the batch); returns each document's first new number.
_APPEND = """
WITH batch AS (
    SELECT * FROM unnest(%s::text[], %s::bytea[], %s::bigint[], %s::float8[])
        WITH ORDINALITY AS b(doc_id, data, author_id, created_at, i)
), heads AS (
    SELECT d.doc_id, COALESCE((SELECT max(u.seq) FROM doc_updates u WHERE u.doc_id = d.doc_id), 0) AS head
    FROM (SELECT DISTINCT doc_id FROM batch) d
), added AS (
    INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at)
    SELECT b.doc_id, h.head + row_number() OVER (PARTITION BY b.doc_id ORDER BY b.i), b.data, b.author_id,
        b.created_at
    FROM batch b JOIN heads h ON h.doc_id = b.doc_id
    RETURNING doc_id, seq
)
SELECT doc_id, min(seq) FROM added GROUP BY doc_id
"""


def log_lock_key(doc_id: str) -> str:
    """The advisory lock that numbers a document's update log (held while appending to it)."""
    return f"doc-log:{doc_id}"


class _PgTransaction(Transaction):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cur = await self._conn.execute(to_postgres(sql), params)
        return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        async with self._conn.cursor() as cur:
            await cur.executemany(to_postgres(sql), rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        cur = await self._conn.execute(to_postgres(sql), params)
        return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        cur = await self._conn.execute(to_postgres(sql), params)
        return list(await cur.fetchall())

    async def lock(self, key: str) -> None:
        """``pg_advisory_xact_lock``: released when the transaction ends; the next statement's
        snapshot sees what the previous holder committed (READ COMMITTED)."""
        await self._conn.execute(_LOCK, (key,))

    async def try_lock(self, key: str) -> bool:
        cur = await self._conn.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
        row = await cur.fetchone()
        return bool(row and row[0])


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database (see the module's docstring)."""

    engine = "postgresql"

    def __init__(self, pool: AsyncConnectionPool[Connection], url: str, options: PoolOptions) -> None:
        self._pool = pool
        self._url = url
        self.options = options
        self._down = False
        self._next_try = 0.0
        self._probe_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, options: PoolOptions | None = None) -> PostgresDatabase:
        """Connect (waiting up to ``connect_timeout`` for the first connections), check that the
        database holds UTF-8, and apply the migrations it lacks."""
        options = options or PoolOptions()
        pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
            url,
            open=False,
            min_size=options.min_size,
            max_size=max(options.max_size, options.min_size),
            timeout=options.acquire_timeout,
            # Give up a reconnection after this long; the pool grows again when a query needs it.
            reconnect_timeout=options.retry_interval,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(options.connect_timeout)),
                "application_name": "binome",
                # A machine that vanishes (no reset from its side) is noticed within seconds.
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 2,
                "keepalives_count": 3,
                "tcp_user_timeout": 10_000,
            },
            configure=_configure,
            name="binome",
        )
        db = cls(pool, url, options)
        try:
            await pool.open(wait=True, timeout=options.connect_timeout)
        except PoolTimeout as exc:
            await pool.close()
            raise StorageUnavailable(f"PostgreSQL at {db.describe()} does not answer") from exc
        try:
            await db._check_encoding()
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    def describe(self) -> str:
        parts = conninfo_to_dict(self._url)
        host = parts.get("host") or "localhost"
        port = f":{parts['port']}" if parts.get("port") else ""
        user = f"{parts['user']}@" if parts.get("user") else ""
        return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"

    async def close(self) -> None:
        await self._pool.close()

    # -- reads and writes ---------------------------------------------------------------------

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self._read(sql, params, one=True)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._read(sql, params, one=False)

    async def _read(self, sql: str, params: Params, *, one: bool) -> list[Row]:
        check_not_writing(self)
        query = to_postgres(sql)
        try:
            return await self._read_once(query, params, one=one)
        except StorageUnavailable:
            # A read changes nothing: when its connection turns out dead (PostgreSQL restarted while
            # it sat in the pool), it is tried once more on a new one.
            if not await self._back():
                raise
        return await self._read_once(query, params, one=one)

    async def _read_once(self, query: str, params: Params, *, one: bool) -> list[Row]:
        async with self._connection() as conn:
            cur = await conn.execute(query, params)
            if one:
                row = await cur.fetchone()
                return [row] if row is not None else []
            return list(await cur.fetchall())

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        """One READ COMMITTED transaction on one pooled connection: committed when the block ends,
        rolled back on error. A connection found dead at BEGIN is replaced once; a failure after
        that is the caller's :class:`StorageUnavailable` (the block is never run twice)."""
        with writing(self):
            for attempt in (1, 2):
                begun = False
                try:
                    async with self._connection() as conn, conn.transaction():
                        begun = True
                        yield _PgTransaction(conn)
                    return
                except StorageUnavailable:
                    # Nothing was done before BEGIN: a dead pooled connection there is tried again.
                    if begun or attempt == 2 or not await self._back():
                        raise

    async def append_updates(self, batch: Sequence[tuple[str, bytes, int | None, float]]) -> list[int]:
        """The group commit: BEGIN, each document's lock (in one order: two workers appending to the
        same documents never wait for each other in a circle), the insert and COMMIT, in one round
        trip (pipeline mode). ``synchronous_commit`` is on: COMMIT returns once the WAL is flushed."""
        check_not_writing(self)
        if not batch:
            return []
        docs = sorted({doc_id for doc_id, _, _, _ in batch})
        columns = (
            [doc_id for doc_id, _, _, _ in batch],
            [data for _, data, _, _ in batch],
            [author for _, _, author, _ in batch],
            [at for _, _, _, at in batch],
        )
        async with self._connection() as conn:
            try:
                async with conn.pipeline() as pipeline:
                    await conn.execute("BEGIN")
                    for doc_id in docs:
                        await conn.execute(_LOCK, (log_lock_key(doc_id),))
                    cur = await conn.execute(_APPEND, columns)
                    await conn.execute("COMMIT")
                    await pipeline.sync()
                    firsts = {str(doc): int(seq) for doc, seq in await cur.fetchall()}
            except BaseException:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.broken:
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute("ROLLBACK")
                raise
        seqs = []
        for doc_id, _, _, _ in batch:
            seqs.append(firsts[doc_id])
            firsts[doc_id] += 1
        return seqs

    # -- schema ---------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT COALESCE(MAX(number), 0) FROM schema_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply the migrations this database lacks, all in one transaction under one advisory lock
        (several workers starting at once: the first migrates, the others find it done); refuse a
        database from the future."""
        async with self._connection() as conn, conn.transaction():
            await conn.execute(_LOCK, (_MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (number BIGINT PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            )
            cur = await conn.execute("SELECT COALESCE(MAX(number), 0) FROM schema_version")
            row = await cur.fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise SchemaError(
                    f"{self.describe()} has schema version {current}, but this Binôme knows only "
                    f"up to {SCHEMA_VERSION}: upgrade Binôme instead of downgrading the data"
                )
            for number, (name, script) in enumerate(MIGRATIONS[current:], start=current + 1):
                log.info("applying migration %s", name)
                for statement in ddl_to_postgres(script):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (number, name, applied_at) VALUES (%s, %s, %s)",
                    (number, name, time.time()),
                )

    async def reset_identities(self) -> None:
        """Move every identity sequence past the highest id of its table: call it after rows were
        copied in with their ids (``collab migrate``), or the next insert would reuse an id."""
        async with self.write() as tx:
            tables = await tx.fetchall(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
            for table, column in tables:
                await tx.fetchone(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                    f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
                )

    async def _check_encoding(self) -> None:
        """Text must be stored as UTF-8 (the columns' "C" collation then sorts as SQLite does)."""
        row = await self.fetchone(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
        )
        if row is None or row[0] != "UTF8":
            found = row[0] if row else "unknown"
            raise SchemaError(
                f"{self.describe()} stores text as {found}, Binôme needs UTF8: create the database with "
                "CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0"
            )

    # -- PostgreSQL going away and coming back --------------------------------------------------

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        """A pooled connection; :class:`StorageUnavailable` when PostgreSQL does not answer."""
        if self._down and not await self._back():
            raise StorageUnavailable(f"PostgreSQL at {self.describe()} does not answer")
        try:
            async with self._pool.connection() as conn:
                try:
                    yield conn
                except psycopg.OperationalError as exc:
                    if not _lost(exc, conn):
                        raise
                    self._went_away(exc)
                    raise StorageUnavailable(f"PostgreSQL at {self.describe()} went away: {exc}") from exc
        except PoolTimeout as exc:
            self._went_away(exc)
            raise StorageUnavailable(f"no connection to PostgreSQL at {self.describe()}: {exc}") from exc

    def _went_away(self, exc: Exception) -> None:
        if not self._down:
            log.warning("PostgreSQL at %s does not answer: %s", self.describe(), exc)
        self._down = True

    async def _back(self) -> bool:
        """Whether PostgreSQL answers again: one new connection tried at most every
        ``retry_interval`` (by one caller; the others wait for its answer). When it answers, the
        pool's dead connections are dropped before anyone uses them."""
        async with self._probe_lock:
            if not self._down:
                return True
            if time.monotonic() < self._next_try:
                return False
            try:
                probe = await AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=max(1, round(self.options.connect_timeout))
                )
            except psycopg.Error:
                self._next_try = time.monotonic() + self.options.retry_interval
                return False
            await probe.close()
            await self._pool.check()
            self._down = False
            log.warning("PostgreSQL at %s answers again", self.describe())
            return True


async def _configure(conn: Connection) -> None:
    """Every pooled connection: READ COMMITTED, and commits that wait for the WAL flush (whatever
    the server's defaults: an update is durable before any peer receives it)."""
    await conn.set_isolation_level(IsolationLevel.READ_COMMITTED)
    await conn.execute("SET synchronous_commit = on")


def _lost(exc: psycopg.OperationalError, conn: Connection) -> bool:
    """The connection is unusable (the server went away), not a query that failed."""
    state = exc.sqlstate
    return conn.broken or conn.closed or state is None or state.startswith("08") or state in _GONE
