"""The store: migrations, snapshots and the update log, on both engines (SQLite files and PostgreSQL
databases: the ``store`` fixture of tests/store/conftest.py)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from collab.errors import SchemaError
from collab.models import Access, CodeLookup, Role, ThrottlePolicy
from collab.store import Store
from collab.store.migrations import SCHEMA_VERSION
from collab.store.throttles import UNKNOWN_DEVICE, next_budget

pytestmark = pytest.mark.anyio


async def test_new_database_is_migrated(store: Store) -> None:
    assert await store.db.schema_version() == SCHEMA_VERSION


async def test_a_new_sqlite_database_is_in_wal_mode(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        assert await store.db.fetchone("PRAGMA journal_mode") == ("wal",)
    finally:
        await store.close()


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
    stored = [bytes(row[0]) for row in await store.db.fetchall("SELECT token_hash FROM api_tokens")]
    assert len(stored) == 1 and token.encode() not in stored
    assert await store.accounts.user_for_token(token) == user
    assert await store.accounts.revoke_tokens(user.id) == 1
    assert await store.accounts.user_for_token(token) is None


async def test_document_targets(store: Store) -> None:
    lea = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    zoe = await store.accounts.ensure_user("zoe", "Zoé", Role.PUPIL)
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    klass = await store.schools.ensure_class(school.id, "CM1-CM2 A", "CM1-CM2", "2026-2027")
    [pair] = await store.pairs.arrange(klass.id, [[lea.id, zoe.id]])
    await store.documents.ensure_document("d", "Texte", class_id=klass.id, pair_id=pair.id)
    target = await store.documents.get_target(lea.id, "d")
    assert target is not None
    assert (target.class_id, target.school_id, target.pair_id, target.explicit) == (klass.id, school.id, pair.id, None)
    await store.documents.set_members("d", [(zoe.id, Access.READ)])
    other = await store.documents.get_target(zoe.id, "d")
    assert other is not None and other.explicit is Access.READ
    assert await store.documents.get_target(lea.id, "missing") is None
    assert [t.document.id for t in await store.documents.list_targets_for_user(lea.id)] == ["d"]


async def test_arranging_pairs_keeps_unchanged_pairs_and_dissolves_the_others(store: Store) -> None:
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    klass = await store.schools.ensure_class(school.id, "CM1-CM2 A", "CM1-CM2", "2026-2027")
    a, b, c, d = [await store.accounts.ensure_user(f"p{i}", f"P{i}", Role.PUPIL) for i in range(4)]
    first = await store.pairs.arrange(klass.id, [[a.id, b.id], [c.id, d.id]])
    second = await store.pairs.arrange(klass.id, [[a.id, b.id], [c.id], [d.id]])
    assert first[0].id == second[0].id  # the unchanged pair goes on
    assert first[1].id not in {p.id for p in second}
    old = await store.pairs.get_pair(first[1].id)
    assert old is not None and old.dissolved  # kept, with its documents
    assert [p.id for p in await store.pairs.pairs_of(c.id)][-1] == first[1].id


async def test_sessions_are_revocable_everywhere(store: Store) -> None:
    user = await store.accounts.ensure_user("mme", "Mme Durand", Role.TEACHER)
    one, csrf = await store.sessions.create(user.id)
    two, _ = await store.sessions.create(user.id)
    session = await store.sessions.lookup(one)
    assert session is not None and session.user == user and session.csrf_token == csrf
    await store.sessions.revoke(one)
    assert await store.sessions.lookup(one) is None
    assert await store.sessions.lookup(two) is not None
    assert await store.sessions.revoke_all(user.id) == 1
    assert await store.sessions.lookup(two) is None


async def test_failed_sign_ins_lock_the_account_until_cleared(store: Store) -> None:
    policy = ThrottlePolicy(attempts=3, window_seconds=900, lock_steps=(60, 300))
    user = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    await store.accounts.set_pictures(user.id, (3, 7, 11))
    now = time.time()
    for _ in range(3):  # the third attempt is still compared, and locks the budget for what follows
        assert (await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now)).granted
    refused = await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now + 10)
    assert not refused.granted and refused.retry_after == pytest.approx(50)
    assert (await store.throttles.begin_sign_in(user.id, "tablet", policy, now=now + 10)).granted  # its own budget
    creds = await store.accounts.get_credentials(user.id)
    assert creds.locked_until is not None and creds.pictures == (3, 7, 11)
    await store.accounts.clear_failed_sign_ins(user.id)
    creds = await store.accounts.get_credentials(user.id)
    assert creds.locked_until is None and creds.failed_attempts == 0
    assert await store.throttles.budget(user.id, "tablet") is None


async def test_locks_grow_with_repeats_and_a_success_resets_them(store: Store) -> None:
    policy = ThrottlePolicy(attempts=2, window_seconds=900, lock_steps=(60, 300))
    user = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    now = 1000.0
    for expected_lock in (60, 300, 300):
        for _ in range(2):
            assert (await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now)).granted
        attempt = await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now)
        assert not attempt.granted and attempt.retry_after == expected_lock
        now += expected_lock
    await store.throttles.sign_in_succeeded(user.id, UNKNOWN_DEVICE)
    for _ in range(2):
        assert (await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now)).granted
    assert (await store.throttles.begin_sign_in(user.id, UNKNOWN_DEVICE, policy, now=now)).retry_after == 60


def test_attempts_older_than_the_window_are_forgotten() -> None:
    policy = ThrottlePolicy(attempts=3, window_seconds=900, lock_steps=(60,))
    attempt, budget = next_budget(None, 0.0, policy)
    attempt, budget = next_budget(budget, 10.0, policy)
    assert budget is not None and budget.attempts == 2
    attempt, budget = next_budget(budget, 1000.0, policy)  # a new window: this is its first attempt
    assert attempt.granted and budget is not None and budget.attempts == 1 and budget.locked_until is None


async def test_unknown_class_codes_are_counted_per_client_and_forgotten(store: Store) -> None:
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    klass = await store.schools.ensure_class(school.id, "CM1", "CM1", "2026-2027")

    async def look_up(client: str, code: str, now: float) -> CodeLookup:
        return await store.throttles.look_up_class_code(client, code, max_misses=3, window_seconds=60, now=now)

    for _ in range(2):
        found = await look_up("10.0.0.1", "ZZZZZZ", 1000.0)
        assert found.klass is None and not found.blocked
        assert (await look_up("10.0.0.1", klass.code, 1000.0)).klass == klass  # right codes cost nothing
    assert not (await look_up("10.0.0.1", "ZZZZZZ", 1000.0)).blocked  # the third miss is still answered
    blocked = await look_up("10.0.0.1", klass.code.lower(), 1001.0)
    assert blocked.blocked and blocked.klass is None and blocked.retry_after == 59
    assert (await look_up("10.0.0.2", klass.code, 1001.0)).klass == klass  # another address
    assert (await look_up("10.0.0.2", klass.code, 1100.0)).klass == klass  # the old window is purged
    assert await store.db.fetchone("SELECT count(*) FROM class_code_misses") == (0,)
    assert (await look_up("10.0.0.1", klass.code, 1100.0)).klass == klass


async def test_class_codes_are_unique_and_unambiguous(store: Store) -> None:
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    classes = [await store.schools.ensure_class(school.id, f"Classe {i}", "CM1", "2026-2027") for i in range(30)]
    codes = {k.code for k in classes}
    assert len(codes) == 30
    assert not any(ch in code for code in codes for ch in "0O1IL5S2Z8B")
    found = await store.schools.get_class_by_code(classes[0].code.lower())
    assert found == classes[0]
    assert await store.schools.archive_year(school.id, "2026-2027") == 30
    assert await store.schools.get_class_by_code(classes[0].code) is None  # archived classes cannot be joined


async def test_inside_a_write_the_database_is_used_through_the_transaction(store: Store, tmp_path: Path) -> None:
    """A read beside the transaction would run on another connection on PostgreSQL (not seeing the
    transaction's writes, and waiting for a connection the pool may not have): both engines refuse it."""
    other = await Store.open(tmp_path / "other.sqlite3")
    try:
        async with store.db.write() as tx:
            with pytest.raises(RuntimeError, match="through it"):
                await store.db.fetchone("SELECT 1")
            with pytest.raises(RuntimeError, match="through it"):
                await store.db.append_updates([("d", b"x", None, 0.0)])
            assert await tx.fetchone("SELECT 1") == (1,)
            assert await other.db.fetchone("SELECT 2") == (2,)  # another database may be read (a copy)
        assert await store.db.fetchone("SELECT 3") == (3,)
    finally:
        await other.close()


async def test_an_agreement_with_a_version_the_log_has_gone_past_is_not_recorded(store: Store) -> None:
    """A worker whose room lags (another worker's tablet typed meanwhile) cannot record an agreement
    with the old version; the log's heads say how far each document goes."""
    await store.documents.ensure_document("d", "Texte")
    lea = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    await store.documents.append_updates("d", [(b"\x01", None, 1.0), (b"\x02", None, 2.0)])
    assert await store.blog.agree("d", lea.id, b"v", upto_seq=1) is None
    assert await store.blog.agreements("d") == {}
    assert await store.blog.agree("d", lea.id, b"v", upto_seq=2) == {lea.id: b"v"}
    assert await store.documents.heads(["d", "empty"]) == {"d": 2}
    assert await store.documents.write_snapshot("d", b"snap", 2) is True
