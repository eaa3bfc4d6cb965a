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


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help: str,
) -> argparse.ArgumentParser:
    """A subcommand that takes ``--data`` and runs ``handler``."""
    parser = sub.add_parser(name, help=help)
    parser.add_argument("--data", help="data directory (default: $COLLAB_DATA or ./collab-data)")
    parser.set_defaults(handler=handler)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    base = settings_module.from_env()
    return base.with_overrides(
        data_dir=Path(args.data) if getattr(args, "data", None) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def with_store(settings: Settings, action: Callable[[Store], Awaitable[T]], synchronous: str = "FULL") -> T:
    async def run() -> T:
        store = await Store.open(settings.database_path, synchronous=synchronous)
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(run())
