"""The store: migrations, snapshots and the update log, on real SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from collab.errors import SchemaError
from collab.models import Access, Role
from collab.store import Store
from collab.store.migrations import SCHEMA_VERSION

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()


async def test_new_database_is_migrated_and_in_wal_mode(store: Store) -> None:
    assert await store.db.schema_version() == SCHEMA_VERSION
    async with store.db.conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]


async def test_database_from_a_newer_version_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaError, match="upgrade Binôme"):
        await Store.open(path)


async def test_load_is_snapshot_plus_tail_and_snapshots_never_go_back(store: Store) -> None:
    await store.documents.ensure_document("d", "Texte")
    async with store.db.write() as conn:
        await conn.executemany(
            "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, ?, ?, NULL, 0)",
            [("d", seq, bytes([seq])) for seq in range(1, 6)],
        )
    loaded = await store.documents.load("d")
    assert (loaded.snapshot, loaded.tail, loaded.last_seq) == (None, [bytes([s]) for s in range(1, 6)], 5)
    await store.documents.write_snapshot("d", b"snap-3", 3)
    loaded = await store.documents.load("d")
    assert (loaded.snapshot, loaded.snapshot_seq, loaded.tail, loaded.last_seq) == (
        b"snap-3",
        3,
        [b"\x04", b"\x05"],
        5,
    )
    await store.documents.write_snapshot("d", b"older", 2)  # ignored: older than the one stored
    await store.documents.write_snapshot("d", b"snap-5", 5)
    loaded = await store.documents.load("d")
    assert (loaded.snapshot, loaded.tail, loaded.last_seq) == (b"snap-5", [], 5)
    assert len(await store.documents.read_log("d")) == 5  # history kept for replay


async def test_tokens_are_stored_hashed_and_revocable(store: Store) -> None:
    user = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    token = await store.accounts.create_token(user.id)
    async with store.db.conn.execute("SELECT token_hash FROM api_tokens") as cur:
        stored = [row[0] for row in await cur.fetchall()]
    assert token.encode() not in stored
    assert await store.accounts.user_for_token(token) == user
    assert await store.accounts.revoke_tokens(user.id) == 1
    assert await store.accounts.user_for_token(token) is None


async def test_grants(store: Store) -> None:
    lea = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    zoe = await store.accounts.ensure_user("zoe", "Zoé", Role.PUPIL)
    await store.documents.ensure_document("d", "Texte")
    await store.documents.set_members("d", [(lea.id, Access.WRITE)])
    grant = await store.documents.get_grant(lea.id, "d")
    assert grant is not None and grant.access is Access.WRITE
    other = await store.documents.get_grant(zoe.id, "d")
    assert other is not None and other.access is None
    assert await store.documents.get_grant(lea.id, "missing") is None
