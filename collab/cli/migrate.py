"""``collab migrate --from DIR --to postgresql://…``: a school's SQLite data moved into PostgreSQL,
then checked (every table's row count, every document's text)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from collab.cli.common import settings_from
from collab.realtime.crdt import FATAL, stored_text
from collab.settings import database_setting, without_password
from collab.store import Store, backup_database
from collab.store.transfer import Table, copy_tables, count_rows, document_ids, source_tables, table_digest

DESCRIPTION = """\
Move a school's data from its SQLite file (the data directory of `collab serve`) into a
PostgreSQL database: accounts, sign-in pictures and passwords, sessions and tokens, schools,
classes, pairs, tasks, every document with its whole update log and snapshot, the blog, the
follow-up, the médiathèque's rows and the throttles. Then every table (its row count and its
rows) and every document's text (rebuilt from the target's snapshot and log, as the server
reads it) are compared with the source's; any difference is printed and the exit status is 1.

Stop the server first: what it writes after the copy began stays behind. The source is never
changed: a consistent copy of it, made in $TMPDIR (as large as the SQLite file), is read and
brought to this version's schema.

The target must be an empty database (create it with `createdb -O binome binome`); it is
brought to this version's schema first. The rows are copied in one transaction: if anything
fails (network, disk, Ctrl-C), the target keeps its tables and no row, and the same command can
be run again. A target that already holds data is refused; to start again, drop the database
and create it anew. Media files are not in the database: the new workers use the same data
directory (COLLAB_DATA), shared by every worker.

With --check, nothing is copied: the source and the target are compared only."""


@dataclass
class Report:
    """What the copy and the check found."""

    copied: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    differences: list[str] = field(default_factory=list)
    #: Seconds spent copying and checking.
    copy_seconds: float = 0.0
    check_seconds: float = 0.0


def source_file(directory: Path) -> Path:
    return directory / "collab.sqlite3"


async def compare(source: Store, target: Store, tables: list[Table], report: Report) -> None:
    """Every table's rows (their count, then their contents), and every document's text as the
    server would read it."""
    theirs, ours = await count_rows(source.db, tables), await count_rows(target.db, tables)
    for table in tables:
        if theirs[table.name] != ours[table.name]:
            report.differences.append(f"{table.name}: {theirs[table.name]} rows in the source, {ours[table.name]} here")
        elif await table_digest(source.db, table) != await table_digest(target.db, table):
            report.differences.append(f"{table.name}: the same number of rows, not the same rows")
    ids = await document_ids(source.db)
    extra = sorted(set(await document_ids(target.db)) - set(ids))
    report.differences.extend(f"document {doc_id}: not in the source" for doc_id in extra)
    for doc_id in ids:
        expected = stored_text(await source.documents.load(doc_id))
        try:
            found = stored_text(await target.documents.load(doc_id))
        except FATAL:
            raise
        except BaseException as exc:  # a damaged log is a difference to report (pycrdt panics are BaseException)
            report.differences.append(f"document {doc_id}: cannot be rebuilt ({exc})")
            continue
        if found != expected:
            report.differences.append(
                f"document {doc_id}: text differs ({len(expected)} characters in the source, {len(found)} here)"
            )
        report.documents += 1


class Refused(Exception):
    """Why the migration stopped (the target as it was, or as the message says)."""


async def opened(stack: contextlib.AsyncExitStack, target: str | Path, what: str) -> Store:
    try:
        store = await Store.open(target)
    except Exception as exc:  # the engine's own error, said with the database it is about
        raise Refused(f"cannot open {what}: {exc}") from exc
    stack.push_async_callback(store.close)
    return store


async def refuse_held_data(target: Store, tables: list[Table]) -> None:
    held = {name: n for name, n in (await count_rows(target.db, tables)).items() if n}
    if held:
        rows = ", ".join(f"{name} {n}" for name, n in sorted(held.items()))
        raise Refused(
            f"{target.db.describe()} already holds data ({rows}): a school moves into an empty database "
            "(drop it and create it anew to start again)"
        )


async def copy(source: Store, target: Store, tables: list[Table], batch_rows: int, report: Report) -> None:
    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows} rows", file=sys.stderr, flush=True)

    started = time.monotonic()
    try:
        report.copied = await copy_tables(source.db, target.db, tables, batch_rows=batch_rows, progress=progress)
    except Exception as exc:  # the engine's error, told as what it means for the target
        raise Refused(
            f"the copy failed and was rolled back: {target.db.describe()} holds no row of the school; "
            f"mend the cause and run the same command again ({type(exc).__name__}: {exc})"
        ) from exc
    report.copy_seconds = time.monotonic() - started


async def move(snapshot: Path, target_url: str, *, check_only: bool, batch_rows: int) -> Report:
    """Copy (unless ``check_only``) and compare; :class:`Refused` says why it stopped."""
    report = Report()
    async with contextlib.AsyncExitStack() as stack:
        source = await opened(stack, snapshot, "the source")
        target = await opened(stack, target_url, f"the database {without_password(target_url)}")
        tables = await source_tables(source.db)
        versions = await source.db.schema_version(), await target.db.schema_version()
        if versions[0] != versions[1]:
            raise Refused(f"the source has schema version {versions[0]}, the target {versions[1]}")
        if not check_only:
            await refuse_held_data(target, tables)
            await copy(source, target, tables, batch_rows, report)
        started = time.monotonic()
        await compare(source, target, tables, report)
        report.check_seconds = time.monotonic() - started
    return report


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        target = database_setting(args.to, "--to") if args.to else settings.database
    except ValueError as exc:
        print(f"collab: {exc}", file=sys.stderr)
        return 2
    if not target:
        print("collab: give the target database: --to postgresql://user@host/name", file=sys.stderr)
        return 2
    source = source_file(Path(args.source))
    if not source.is_file():
        print(f"collab: no database at {source} (--from names the data directory)", file=sys.stderr)
        return 2
    if args.batch_rows < 1:
        print("collab: --batch-rows must be at least 1", file=sys.stderr)
        return 2
    shown = without_password(target)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="collab-migrate-") as work:
        snapshot = Path(work) / "source.sqlite3"
        backup_database(source, snapshot)  # a consistent copy: the source itself is never changed
        verb = "checking" if args.check else "moving"
        print(f"collab: {verb} {source} → {shown}", file=sys.stderr, flush=True)
        try:
            report = asyncio.run(move(snapshot, target, check_only=args.check, batch_rows=args.batch_rows))
        except Refused as refused:
            print(f"collab: {refused}", file=sys.stderr)
            return 1
    seconds = time.monotonic() - started
    copied = (
        f"{len(report.copied)} tables, {sum(report.copied.values())} rows copied in {report.copy_seconds:.1f} s; "
        if report.copied
        else ""
    )
    print(
        f"collab: {copied}{report.documents} documents checked in {report.check_seconds:.1f} s; "
        f"{len(report.differences)} differences; {seconds:.1f} s in all",
        file=sys.stderr,
    )
    for difference in report.differences:
        print(f"  difference: {difference}", file=sys.stderr)
    if report.differences:
        print(
            "collab: the target does not hold the same data: do not serve from it (drop it, create it anew, "
            "and run the migration again)",
            file=sys.stderr,
        )
        return 1
    return 0


def add_migrate_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "migrate",
        help="move a school's SQLite data into PostgreSQL and check it",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=cmd_migrate)
    parser.add_argument("--from", dest="source", required=True, metavar="DIR", help="the data directory to move")
    parser.add_argument(
        "--to", metavar="URL", help="the target: postgresql://user@host/name (default: $COLLAB_DATABASE)"
    )
    parser.add_argument("--check", action="store_true", help="only compare the source and the target")
    parser.add_argument("--batch-rows", type=int, default=500, help="rows read and written at a time (500)")
