"""Moving a school's data from its SQLite file into another database (``collab migrate``).

The tables are read from the SQLite file's own catalogue (every table of the schema, whatever
migrations added), copied parents first (foreign-key order) in batches read by key, all in one
write transaction of the target: a copy that fails leaves the target as empty as it was. A
column that refers to its own table (a second draft's ``parent_id``) is filled in a second pass,
once every row it may point to is there. The counts and the documents' ids are here for the
check that follows the copy.
"""

from __future__ import annotations

import graphlib
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from collab.store.database import Database, Row, Transaction

#: Rows read from the source and written to the target at a time (a snapshot may weigh 2 MB).
BATCH_ROWS = 500


@dataclass(frozen=True)
class Table:
    """One table of the source, as its catalogue describes it."""

    name: str
    columns: tuple[str, ...]
    #: Its primary key's columns ("" when it has none).
    key: tuple[str, ...]
    #: Read by rowid (an ordinary SQLite table) or by its key (``WITHOUT ROWID``).
    by_rowid: bool
    #: The tables its foreign keys point to (itself excluded).
    parents: frozenset[str]
    #: Columns that point to a row of this same table, filled after every row is in.
    self_references: tuple[str, ...]
    #: Its ``INTEGER PRIMARY KEY`` column, numbered by the database (an identity on PostgreSQL).
    identity: str | None


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def source_tables(db: Database) -> list[Table]:
    """Every table of a SQLite database, parents before the tables that refer to them."""
    if db.engine != "sqlite":
        raise ValueError(f"the source must be a SQLite file, not {db.describe()}")
    tables: dict[str, Table] = {}
    rows = await db.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
    )
    for name, sql in rows:
        info = await db.fetchall(f"PRAGMA table_info({quoted(name)})")
        foreign = await db.fetchall(f"PRAGMA foreign_key_list({quoted(name)})")
        columns = tuple(str(column[1]) for column in info)
        key = tuple(str(column[1]) for column in sorted((c for c in info if c[5]), key=lambda c: int(c[5])))
        nullable = {str(column[1]) for column in info if not column[3]}
        self_references = tuple(str(fk[3]) for fk in foreign if fk[2] == name and fk[3] in nullable)
        if any(fk[2] == name and fk[3] not in nullable for fk in foreign):
            raise ValueError(f"{name} refers to itself through a column that cannot wait for a second pass")
        integer_key = [c for c in info if c[5] and str(c[2]).upper() == "INTEGER"]
        tables[name] = Table(
            name=name,
            columns=columns,
            key=key,
            by_rowid="WITHOUT ROWID" not in str(sql).upper(),
            parents=frozenset(str(fk[2]) for fk in foreign if fk[2] != name),
            self_references=self_references,
            identity=str(integer_key[0][1]) if len(key) == 1 and integer_key else None,
        )
    order = graphlib.TopologicalSorter({name: table.parents for name, table in sorted(tables.items())})
    return [tables[name] for name in order.static_order()]


async def count_rows(db: Database, tables: Sequence[Table]) -> dict[str, int]:
    """How many rows each table holds."""
    counts: dict[str, int] = {}
    for table in tables:
        row = await db.fetchone(f"SELECT COUNT(*) FROM {quoted(table.name)}")
        counts[table.name] = int(row[0]) if row else 0
    return counts


async def document_ids(db: Database) -> list[str]:
    """Every document that has a row, a snapshot or an update."""
    rows = await db.fetchall(
        "SELECT id FROM documents UNION SELECT doc_id FROM doc_snapshots UNION SELECT doc_id FROM doc_updates"
    )
    return sorted(str(row[0]) for row in rows)


def _comparable(value: object) -> object:
    """One column's value as both engines give it back (PostgreSQL's double for SQLite's integer
    in a REAL column, ``memoryview`` for ``bytes``)."""
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return value


async def table_digest(db: Database, table: Table, size: int = BATCH_ROWS) -> str:
    """A fingerprint of the table's rows, whatever their order (each engine orders text its own
    way): the sum of every row's SHA-256. Two tables with the same rows have the same one."""
    total = 0
    async for batch in _rows_by_key(db, table, size):
        for row in batch:
            digest = hashlib.sha256(repr(tuple(_comparable(v) for v in row)).encode()).digest()
            total = (total + int.from_bytes(digest, "big")) % (1 << 256)
    return f"{total:064x}"


async def _rows_by_key(db: Database, table: Table, size: int) -> AsyncIterator[list[Row]]:
    """The table's rows by its key, on either engine (a table without one in one read)."""
    if not table.key:
        yield [tuple(row) for row in await db.fetchall(f"SELECT {_columns(table)} FROM {quoted(table.name)}")]
        return
    async for batch in _after_key(db, table, size):
        yield batch


def _columns(table: Table) -> str:
    return ", ".join(quoted(c) for c in table.columns)


async def _batches(db: Database, table: Table, size: int) -> AsyncIterator[list[Row]]:
    """The table's rows, ``size`` at a time, in the order of its rowid or key (no OFFSET: each
    batch starts after the last one's key)."""
    columns = ", ".join(quoted(c) for c in table.columns)
    source = quoted(table.name)
    if table.by_rowid:
        select = f"SELECT rowid, {columns} FROM {source} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        after: object = -(2**63)
        while True:
            rows = await db.fetchall(select, (after, size))
            if rows:
                after = rows[-1][0]
                yield [tuple(row[1:]) for row in rows]
            if len(rows) < size:
                return
    async for batch in _after_key(db, table, size):
        yield batch


async def _after_key(db: Database, table: Table, size: int) -> AsyncIterator[list[Row]]:
    key = ", ".join(quoted(c) for c in table.key)
    marks = ", ".join("?" for _ in table.key)
    positions = [table.columns.index(c) for c in table.key]
    last: tuple[object, ...] = ()
    while True:
        where = f"WHERE ({key}) > ({marks})" if last else ""
        select = f"SELECT {_columns(table)} FROM {quoted(table.name)} {where} ORDER BY {key} LIMIT ?"
        rows = await db.fetchall(select, (*last, size))
        if rows:
            last = tuple(rows[-1][p] for p in positions)
            yield [tuple(row) for row in rows]
        if len(rows) < size:
            return


async def _copy_table(source: Database, tx: Transaction, table: Table, size: int) -> int:
    columns = ", ".join(quoted(c) for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    insert = f"INSERT INTO {quoted(table.name)} ({columns}) VALUES ({marks})"
    keys = [table.columns.index(c) for c in table.key]
    later = {column: table.columns.index(column) for column in table.self_references}
    # (value, *key) of each self-reference, set once every row is in.
    pending: dict[str, list[tuple[object, ...]]] = {column: [] for column in later}
    copied = 0
    async for batch in _batches(source, table, size):
        rows = [list(row) for row in batch]
        for row in rows:
            for column, index in later.items():
                if row[index] is not None:
                    pending[column].append((row[index], *(row[k] for k in keys)))
                    row[index] = None
        await tx.executemany(insert, rows)
        copied += len(rows)
    where = " AND ".join(f"{quoted(c)} = ?" for c in table.key)
    for column, values in pending.items():
        if values:
            await tx.executemany(f"UPDATE {quoted(table.name)} SET {quoted(column)} = ? WHERE {where}", values)
    return copied


async def copy_tables(
    source: Database,
    target: Database,
    tables: Sequence[Table],
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int], None] = lambda table, rows: None,
) -> dict[str, int]:
    """Copy every row of ``tables`` from ``source`` into ``target`` in one transaction (all or
    nothing), then set the target's identities after the copied ids; the rows copied per table."""
    copied: dict[str, int] = {}
    async with target.write() as tx:
        for table in tables:
            copied[table.name] = await _copy_table(source, tx, table, batch_rows)
            progress(table.name, copied[table.name])
        if target.engine == "postgresql":
            for table in tables:
                if table.identity is not None:
                    await _follow_identity(tx, table.name, table.identity)
    return copied


async def _follow_identity(tx: Transaction, table: str, column: str) -> None:
    """The next id PostgreSQL gives in ``table`` comes after the copied ones (rows inserted with
    their own ids leave its identity's sequence where it was)."""
    name = table.replace("'", "''")
    await tx.fetchone(
        f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
        f"(SELECT COALESCE(MAX({quoted(column)}), 0) + 1 FROM {quoted(table)}), false)"
    )
