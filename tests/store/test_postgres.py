"""The store on PostgreSQL with several workers, attacked: each worker is a PostgresDatabase of its
own (its own pool of connections) on one database, as worker processes are; bursts are run on all
of them at once. Then PostgreSQL itself: stopped, restarted, from the future, in another encoding or
locale."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest

from collab.errors import Conflict, SchemaError, StorageUnavailable
from collab.models import Role, ThrottlePolicy
from collab.store import Store
from collab.store.migrations import SCHEMA_VERSION
from collab.store.postgres import PostgresDatabase
from tests.support.engines import Postgres
from tests.support.stores import TEST_POOL

pytestmark = pytest.mark.anyio

T = TypeVar("T")
WORKERS = 3


@contextlib.asynccontextmanager
async def workers(url: str, count: int = WORKERS) -> AsyncIterator[list[Store]]:
    stores = [await Store.open(url, pool=TEST_POOL) for _ in range(count)]
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()


async def spread(stores: list[Store], count: int, call: Callable[[Store, int], Awaitable[T]]) -> list[T]:
    """``count`` calls at once, spread over the workers in turn."""
    return await asyncio.gather(*(call(stores[i % len(stores)], i) for i in range(count)))


async def class_with_pair(store: Store) -> tuple[int, int, int, int]:
    """A class with two pupils in one pair: (class id, pair id, pupil a, pupil b)."""
    school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
    klass = await store.schools.ensure_class(school.id, "CM1", "CM1", "2026-2027")
    a = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
    b = await store.accounts.ensure_user("noe", "Noé", Role.PUPIL)
    [pair] = await store.pairs.arrange(klass.id, [[a.id, b.id]])
    return klass.id, pair.id, a.id, b.id


async def test_a_sign_in_burst_over_three_workers_gets_exactly_the_budget(migrated_postgres_url: str) -> None:
    policy = ThrottlePolicy(attempts=5, window_seconds=900, lock_steps=(60,))
    async with workers(migrated_postgres_url) as stores:
        user = await stores[0].accounts.ensure_user("lea", "Léa", Role.PUPIL)
        attempts = await spread(stores, 50, lambda s, _: s.throttles.begin_sign_in(user.id, "", policy, now=1000.0))
        assert sum(a.granted for a in attempts) == policy.attempts
        budget = await stores[1].throttles.budget(user.id)
        assert budget is not None and budget.locked_until == 1060.0


async def test_a_class_code_burst_over_three_workers_gets_exactly_the_misses_allowed(
    migrated_postgres_url: str,
) -> None:
    async with workers(migrated_postgres_url) as stores:
        lookups = await spread(
            stores,
            30,
            lambda s, _: s.throttles.look_up_class_code("10.0.0.9", "ZZZZZZ", max_misses=4, window_seconds=60, now=1.0),
        )
        assert sum(not found.blocked for found in lookups) == 4


async def test_group_commits_of_three_workers_number_each_document_without_gaps(migrated_postgres_url: str) -> None:
    docs = ["a", "b", "c"]

    async def commit(store: Store, i: int) -> list[tuple[str, bytes, int]]:
        # Each batch touches the documents in its own order (the locks are taken sorted).
        order = docs[i % 3 :] + docs[: i % 3]
        batch = [(doc, f"{i}-{doc}-{k}".encode(), None, float(i)) for doc in order for k in range(1 + i % 2)]
        seqs = await store.db.append_updates(batch)
        return [(doc, data, seq) for (doc, data, _, _), seq in zip(batch, seqs, strict=True)]

    async with workers(migrated_postgres_url) as stores:
        results = await spread(stores, 60, commit)
        stored = await stores[0].db.fetchall("SELECT doc_id, data, seq FROM doc_updates")
    returned = sorted(item for batch in results for item in batch)
    assert sorted((str(d), bytes(data), int(s)) for d, data, s in stored) == returned
    for doc in docs:
        seqs = sorted(seq for d, _, seq in returned if d == doc)
        assert seqs == list(range(1, len(seqs) + 1))
    for batch in results:  # within a batch, one document's updates keep their order
        for doc in docs:
            mine = [seq for d, _, seq in batch if d == doc]
            assert mine == sorted(mine) and len(mine) == len(set(mine))


async def test_both_pupils_agreeing_at_once_on_two_workers_make_exactly_one_post(migrated_postgres_url: str) -> None:
    async with workers(migrated_postgres_url) as stores:
        class_id, pair_id, a, b = await class_with_pair(stores[0])
        docs = [f"d{i}" for i in range(12)]
        for doc in docs:
            await stores[0].documents.ensure_document(doc, "Texte", class_id=class_id, pair_id=pair_id)

        async def press(store: Store, doc: str, user: int) -> int | None:
            """What the agreement does on the pupil's worker: publish once both agree."""
            agreed = await store.blog.agree(doc, user, b"\x01", upto_seq=0)
            assert agreed is not None
            if set(agreed) != {a, b}:
                return None
            post = await store.blog.publish(
                doc_id=doc, class_id=class_id, pair_id=pair_id, task_id=None, title=doc, body="Texte",
                state_vector=b"\x01", moderated=False,
            )  # fmt: skip
            return post.id

        # Both pupils of each text press at the same instant, on two workers.
        pressed = await asyncio.gather(
            *(press(stores[(i + k) % WORKERS], doc, p) for i, doc in enumerate(docs) for k, p in enumerate([a, b]))
        )
        posts = await stores[2].db.fetchall("SELECT doc_id, id FROM posts")
    assert sorted(str(d) for d, _ in posts) == sorted(docs)  # one post per text, none lost
    by_doc = {str(d): int(i) for d, i in posts}
    for i, doc in enumerate(docs):
        made = {p for p in pressed[2 * i : 2 * i + 2] if p is not None}
        assert made == {by_doc[doc]}  # whoever saw both agreements published that one post


async def test_a_next_draft_asked_on_three_workers_at_once_is_made_once(migrated_postgres_url: str) -> None:
    async with workers(migrated_postgres_url) as stores:
        await stores[0].documents.ensure_document("p", "Texte")

        async def ask(store: Store, i: int) -> str:
            try:
                return (await store.documents.create_draft("p", f"p-2-{i}", "Texte (2)", b"seed")).id
            except Conflict:
                return "conflict"

        made = await spread(stores, 9, ask)
        children = await stores[0].db.fetchall("SELECT id FROM documents WHERE parent_id = 'p'")
    assert len(children) == 1 and made.count("conflict") == 8 and str(children[0][0]) in made


async def test_pupils_carried_by_two_workers_at_once_join_one_class(migrated_postgres_url: str) -> None:
    async with workers(migrated_postgres_url, 2) as stores:
        school = await stores[0].schools.ensure_school("Montpellier", "École Jean Macé")
        classes = [await stores[0].schools.ensure_class(school.id, f"CM2 {n}", "CM2", "2026-2027") for n in "AB"]
        pupils = [(await stores[0].accounts.ensure_user(f"p{i}", f"P{i}", Role.PUPIL)).id for i in range(10)]
        joined = await asyncio.gather(
            stores[0].schools.carry_pupils(classes[0].id, pupils),
            stores[1].schools.carry_pupils(classes[1].id, list(reversed(pupils))),
        )
        current = await stores[0].schools.current_classes_of(pupils)
    assert sum(joined) == len(pupils) == len(current)


async def test_a_class_made_by_three_workers_at_once_is_one_class(migrated_postgres_url: str) -> None:
    async with workers(migrated_postgres_url) as stores:
        school = await stores[0].schools.ensure_school("Montpellier", "École Jean Macé")
        made = await spread(stores, 6, lambda s, _: s.schools.ensure_class(school.id, "CP", "CP", "2026-2027"))
    assert len({k.id for k in made}) == 1 and len({k.code for k in made}) == 1


async def test_workers_starting_at_once_migrate_once(postgres_url: str) -> None:
    dbs = await asyncio.gather(*(PostgresDatabase.open(postgres_url, TEST_POOL) for _ in range(WORKERS)))
    try:
        assert [await db.schema_version() for db in dbs] == [SCHEMA_VERSION] * WORKERS
        rows = await dbs[0].fetchall("SELECT number FROM schema_version ORDER BY number")
        assert [int(r[0]) for r in rows] == list(range(1, SCHEMA_VERSION + 1))
    finally:
        for db in dbs:
            await db.close()


async def test_a_database_from_a_newer_version_is_refused(migrated_postgres_url: str) -> None:
    with psycopg.connect(migrated_postgres_url, autocommit=True) as connection:
        connection.execute("INSERT INTO schema_version VALUES (%s, 'future', 0)", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaError, match="upgrade Binôme"):
        await Store.open(migrated_postgres_url, pool=TEST_POOL)


def create_database(server: Postgres, options: str) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.url(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 {options}')
    return server.url(name)


async def test_a_database_not_in_utf8_is_refused(postgres_server: Postgres) -> None:
    url = create_database(postgres_server, "ENCODING 'LATIN1' LOCALE 'C'")
    try:
        with pytest.raises(SchemaError, match="UTF8"):
            await Store.open(url, pool=TEST_POOL)
    finally:
        postgres_server.drop_database(url)


async def test_text_sorts_and_folds_as_on_sqlite_in_a_french_database(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    """A database made with a French locale (as a managed PostgreSQL may be): Binôme's columns are
    "C", so names sort byte by byte and lower() folds ASCII only, as on SQLite."""
    url = create_database(postgres_server, "ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR'")
    names = ["Zoé", "anna", "Émile", "Bob", "éric", "Chloé", "chloé"]

    async def answers(store: Store) -> tuple[list[str], list[str], list[str]]:
        school = await store.schools.ensure_school("Montpellier", "École")
        klass = await store.schools.ensure_class(school.id, "CM1", "CM1", "2026-2027")
        users = [await store.accounts.ensure_user(f"u{i}", name, Role.TEACHER) for i, name in enumerate(names)]
        for user in users:
            await store.schools.add_teacher(klass.id, user.id)
            await store.schools.add_pupil(klass.id, user.id)
        [pair] = await store.pairs.arrange(klass.id, [[u.id for u in users]])
        found = await store.schools.find_pupils(frozenset({school.id}), "CHLO")
        return (
            [u.display_name for u in await store.schools.list_teachers(klass.id)],
            [u.display_name for u in pair.members],
            [u.display_name for u, _ in found],
        )

    try:
        with psycopg.connect(url) as connection:  # the database's own order is not bytes'
            assert connection.execute("SELECT 'anna' < 'Bob'").fetchone() == (True,)
        on_postgres = Store(await PostgresDatabase.open(url, TEST_POOL))
        on_sqlite = await Store.open(tmp_path / "db.sqlite3")
        try:
            expected = await answers(on_sqlite)
            assert expected[0] == sorted(names)  # bytes: capitals, then small letters, then accents
            assert expected[2] == ["Chloé", "chloé"]
            assert await answers(on_postgres) == expected
        finally:
            await on_postgres.close()
            await on_sqlite.close()
    finally:
        postgres_server.drop_database(url)


async def test_ids_continue_after_rows_copied_with_their_ids(migrated_postgres_url: str) -> None:
    db = await PostgresDatabase.open(migrated_postgres_url, TEST_POOL)
    store = Store(db)
    try:
        async with db.write() as tx:
            await tx.executemany(
                "INSERT INTO users (id, login, display_name, role, created_at) VALUES (?, ?, ?, 'pupil', 0)",
                [(i, f"u{i}", f"U{i}") for i in (1, 2, 7)],
            )
        with pytest.raises(psycopg.errors.UniqueViolation):  # the identity still starts at 1
            async with db.write() as tx:
                await tx.insert("INSERT INTO users (login, display_name, role, created_at) VALUES ('x', 'X', 'p', 0)")
        await db.reset_identities()
        assert (await store.accounts.ensure_user("new", "New", Role.PUPIL)).id == 8
        school = await store.schools.ensure_school("Sète", "Port")  # an empty table starts at 1
        assert school.id == 1
    finally:
        await db.close()


async def test_postgres_stopped_answers_503_at_once_then_works_again_within_seconds(
    postgres_server: Postgres, migrated_postgres_url: str
) -> None:
    store = await Store.open(migrated_postgres_url, pool=TEST_POOL)
    try:
        user = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
        postgres_server.stop()
        for call in (
            lambda: store.accounts.get_user(user.id),
            lambda: store.accounts.rename(user.id, "Léa B."),
            lambda: store.db.append_updates([("d", b"x", None, 1.0)]),
            lambda: store.sessions.create(user.id),
        ):
            started = time.monotonic()
            with pytest.raises(StorageUnavailable) as refused:
                await call()
            assert refused.value.status == 503
            assert time.monotonic() - started < 2.0
        postgres_server.start()
        back = time.monotonic()
        deadline = back + 10.0
        while True:
            with contextlib.suppress(StorageUnavailable):
                found = await store.accounts.get_user(user.id)
                break
            assert time.monotonic() < deadline, "PostgreSQL is back, the store still refuses"
            await asyncio.sleep(0.05)
        assert found == user and time.monotonic() - back < 3.0
        await store.accounts.rename(user.id, "Léa B.")
        assert await store.db.append_updates([("d", b"x", None, 1.0)]) == [1]
        assert (await store.accounts.get_user(user.id)).display_name == "Léa B."  # type: ignore[union-attr]
    finally:
        postgres_server.start()
        await store.close()


async def test_a_restart_while_idle_costs_no_request(postgres_server: Postgres, migrated_postgres_url: str) -> None:
    """PostgreSQL restarted while the pool's connections sat idle: the next read and the next write
    find those connections dead, and go on with new ones."""
    store = await Store.open(migrated_postgres_url, pool=TEST_POOL)
    try:
        user = await store.accounts.ensure_user("lea", "Léa", Role.PUPIL)
        postgres_server.restart()
        assert await store.accounts.get_user(user.id) == user
        postgres_server.restart()
        await store.accounts.rename(user.id, "Léa B.")
        assert (await store.accounts.get_user(user.id)).display_name == "Léa B."  # type: ignore[union-attr]
    finally:
        await store.close()


async def test_a_failed_group_commit_leaves_nothing_and_the_next_one_goes_on(migrated_postgres_url: str) -> None:
    db = await PostgresDatabase.open(migrated_postgres_url, TEST_POOL)
    try:
        with pytest.raises(psycopg.errors.NotNullViolation):
            await db.append_updates([("d", b"a", None, 1.0), ("d", None, None, 2.0)])  # type: ignore[list-item]
        assert await db.fetchall("SELECT seq FROM doc_updates") == []
        assert await db.append_updates([("d", b"a", None, 1.0), ("e", b"b", None, 1.0), ("d", b"c", None, 1.0)]) == [
            1,
            1,
            2,
        ]
    finally:
        await db.close()


async def test_commits_wait_for_the_wal_whatever_the_database_says(migrated_postgres_url: str) -> None:
    with psycopg.connect(migrated_postgres_url, autocommit=True) as connection:
        connection.execute(
            "ALTER DATABASE " + migrated_postgres_url.rsplit("/", 1)[1] + " SET synchronous_commit = off"
        )
    db = await PostgresDatabase.open(migrated_postgres_url, TEST_POOL)
    try:
        async with db.write() as tx:
            assert await tx.fetchone("SHOW synchronous_commit") == ("on",)
            assert await tx.fetchone("SHOW transaction_isolation") == ("read committed",)
    finally:
        await db.close()


async def test_a_lock_held_by_one_worker_is_refused_to_another_until_its_transaction_ends(
    migrated_postgres_url: str,
) -> None:
    held, tried = asyncio.Event(), asyncio.Event()

    async def holder(store: Store) -> None:
        async with store.db.write() as tx:
            assert await tx.try_lock("compaction:d")
            held.set()
            await asyncio.wait_for(tried.wait(), 5)

    async def other(store: Store) -> list[bool]:
        await asyncio.wait_for(held.wait(), 5)
        async with store.db.write() as tx:
            got = [await tx.try_lock("compaction:d"), await tx.try_lock("compaction:e")]
        tried.set()
        return got

    async with workers(migrated_postgres_url, 2) as (one, two):
        _, got = await asyncio.gather(holder(one), other(two))
        assert got == [False, True]
        async with two.db.write() as tx:
            assert await tx.try_lock("compaction:d")  # the holder's transaction ended
