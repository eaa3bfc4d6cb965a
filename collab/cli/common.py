"""What every ``collab`` command needs: settings from flags and environment, and a store."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from collab import settings as settings_module
from collab.settings import Settings
from collab.store import Store

T = TypeVar("T")

DATA_HELP = (
    "data directory: the SQLite database (unless --database says otherwise) and the médiathèque's files, "
    "which every worker of every machine must share (default: $COLLAB_DATA or ./collab-data)"
)
DATABASE_HELP = (
    "the database: a postgresql://user@host/name URL (a password is best kept in ~/.pgpass or $PGPASSWORD), "
    "or a SQLite file (default: $COLLAB_DATABASE, else the data directory's collab.sqlite3)"
)


class SettingsRefused(Exception):
    """A setting (flag or environment variable) has a value the server cannot use."""


class DatabaseUnavailable(Exception):
    """The database could not be opened (unreachable, refused, from a newer Binôme…)."""


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand that takes ``--data`` and ``--database`` and runs ``handler``."""
    parser = sub.add_parser(
        name, help=help, description=description or help, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", help=DATA_HELP)
    parser.add_argument("--database", help=DATABASE_HELP)
    parser.set_defaults(handler=handler)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The environment's settings with the command's flags on top; a bad value is refused with
    :class:`SettingsRefused` (``collab`` prints it and exits with status 2)."""
    try:
        base = settings_module.from_env()
        database = getattr(args, "database", None)
        redis = getattr(args, "redis", None)
        workers = getattr(args, "workers", None)
        return base.with_overrides(
            data_dir=Path(args.data) if getattr(args, "data", None) else None,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            database=None if database is None else settings_module.database_setting(database, "--database"),
            redis=None if redis is None else settings_module.redis_setting(redis, "--redis"),
            workers=None if workers is None else settings_module.workers_setting(workers, "--workers"),
        )
    except ValueError as exc:
        raise SettingsRefused(str(exc)) from exc


def with_store(settings: Settings, action: Callable[[Store], Awaitable[T]], synchronous: str = "FULL") -> T:
    """Run ``action`` on the settings' store (SQLite file or PostgreSQL), closed afterwards."""

    async def run() -> T:
        try:
            store = await Store.open(settings.store_target, synchronous=synchronous)
        except Exception as exc:  # the engine's own error, said with the database it is about
            raise DatabaseUnavailable(f"cannot open the database {settings.shown_database}: {exc}") from exc
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(run())
