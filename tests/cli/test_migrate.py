"""``collab migrate``: the demo school moved from its SQLite file into PostgreSQL (and, the same code,
into another SQLite file), then checked; a target holding data refused; a damaged copy found."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pycrdt import Doc, Text, merge_updates

from collab.realtime.crdt import stored_text
from collab.settings import Settings
from collab.store import Store
from collab.store.migrations import MIGRATIONS
from collab.store.transfer import count_rows, document_ids, source_tables
from tests.support.cli import collab
from tests.support.data import publish, with_store
from tests.support.server import free_port, run_async
from tests.support.web import DemoSchool

#: What Léa and Noé typed, keystroke by keystroke (accents, an emoji, a line break).
TYPED = "Le marché du samedi 🍎 : les étals débordent de pêches.\nNoé écrit la suite…"
SNAPSHOT_AFTER = 40  # updates folded into the snapshot; the rest stays in the log's tail


def typed_updates(text: str) -> list[bytes]:
    """One update per character, as a browser sends them."""
    doc: Doc[Any] = Doc()
    shared = doc.get("text", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for character in text:
        shared += character
    return updates


def write_the_school(settings: Settings, school: DemoSchool) -> dict[str, str]:
    """Léa and Noé's text (a snapshot and a log tail), a second draft of it, pair 2's text published
    on the blog with a comment and an annotation; the texts expected, by document."""
    updates = typed_updates(TYPED)

    async def write(store: Store) -> dict[str, str]:
        rows = [(u, school.lea_id if i % 2 else school.noe_id, 1796076300.0 + i) for i, u in enumerate(updates)]
        await store.documents.append_updates(school.lea_doc, rows)
        typed = stored_text(await store.documents.load(school.lea_doc))
        log = await store.documents.read_log(school.lea_doc)
        folded = log[:SNAPSHOT_AFTER]
        await store.documents.write_snapshot(school.lea_doc, merge_updates(*(u.data for u in folded)), folded[-1].seq)
        loaded = await store.documents.load(school.lea_doc)
        assert loaded.snapshot is not None and len(loaded.tail) == len(log) - SNAPSHOT_AFTER > 0
        assert stored_text(loaded) == typed and TYPED in typed
        state = merge_updates(*updates)
        await store.documents.create_draft(school.lea_doc, "second-jet", "Deuxième jet", state)
        await store.documents.append_updates("second-jet", [(typed_updates("!")[0], school.lea_id, 1796076400.0)])
        await store.documents.append_updates(school.other_pair_doc, [(updates[0], school.noe_id, 1796076300.0)])
        await store.follow_up.annotate(school.lea_doc, 3, 9, "marché", "lexique", "bien", school.lea_id)
        await store.follow_up.set_comment(school.lea_doc, "Très bien, Léa et Noé.", school.lea_id)
        texts = {}
        for doc_id in await document_ids(store.db):
            texts[doc_id] = stored_text(await store.documents.load(doc_id))
        return texts

    texts = with_store(settings, write)
    publish(settings, school, doc=school.other_pair_doc, moderated=False)
    assert TYPED in texts[school.lea_doc] and TYPED in texts["second-jet"] and "!" in texts["second-jet"]
    return texts


@pytest.fixture(params=["postgresql", "sqlite"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database the school moves into: PostgreSQL (the point), or a SQLite file (the same code)."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return str(tmp_path / "target" / "collab.sqlite3")


def open_and(target: str, work: Any) -> Any:
    async def run() -> Any:
        store = await Store.open(target)
        try:
            return await work(store)
        finally:
            await store.close()

    return run_async(run)


def texts_in(target: str) -> dict[str, str]:
    """Every document's text in the target, as the server reads it (snapshot and log tail)."""

    async def read(store: Store) -> dict[str, str]:
        return {doc: stored_text(await store.documents.load(doc)) for doc in await document_ids(store.db)}

    return open_and(target, read)  # type: ignore[no-any-return]


def source_counts(settings: Settings) -> dict[str, int]:
    async def count(store: Store) -> dict[str, int]:
        return await count_rows(store.db, await source_tables(store.db))

    return with_store(settings, count)


def target_counts(target: str, settings: Settings) -> dict[str, int]:
    async def tables(store: Store) -> list[Any]:
        return await source_tables(store.db)

    names = with_store(settings, tables)
    return open_and(target, lambda store: count_rows(store.db, names))  # type: ignore[no-any-return]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_demo_school_moves_with_every_text(settings: Settings, school: DemoSchool, target: str) -> None:
    texts = write_the_school(settings, school)
    before = source_counts(settings)
    source = digest(settings.database_path)
    out = collab("migrate", "--from", str(settings.data_dir), "--to", target, "--batch-rows", "7", data=None)
    assert out.returncode == 0, out.stderr
    assert f"{len(texts)} documents checked in " in out.stderr and "; 0 differences" in out.stderr
    assert f"{len(before)} tables, {sum(before.values())} rows copied in " in out.stderr
    assert digest(settings.database_path) == source  # the source is never changed
    # What the target holds, read by this test: the same rows, the same texts.
    assert target_counts(target, settings) == before
    assert before["doc_updates"] > SNAPSHOT_AFTER and before["doc_snapshots"] == 1 and before["posts"] == 1
    assert texts_in(target) == texts
    # The school works there: its accounts sign in with their tokens, new rows get new ids.
    env = {"COLLAB_DATABASE": target}
    users = [json.loads(line)["login"] for line in collab("users", data=settings.data_dir, env=env).stdout.splitlines()]
    assert {"lea.martin", "noe.bernard", "tom.autre"} <= set(users)
    created = collab(
        "admin", "create-school", "--commune", "Sète", "--name", "Nouvelle école", data=settings.data_dir, env=env
    )
    assert created.returncode == 0, created.stderr
    assert int(created.stdout) == before["schools"] + 1  # after the moved ids, not over them
    token = collab("token", "lea.martin", data=settings.data_dir, env=env)
    assert token.returncode == 0, token.stderr


def test_a_target_that_holds_data_is_refused(settings: Settings, school: DemoSchool, target: str) -> None:
    write_the_school(settings, school)
    first = collab("migrate", "--from", str(settings.data_dir), "--to", target, data=None)
    assert first.returncode == 0, first.stderr
    held = target_counts(target, settings)
    again = collab("migrate", "--from", str(settings.data_dir), "--to", target, data=None)
    assert again.returncode == 1
    assert "already holds data" in again.stderr and "users" in again.stderr
    assert target_counts(target, settings) == held  # nothing added, nothing removed
    check = collab("migrate", "--check", "--from", str(settings.data_dir), "--to", target, data=None)
    assert check.returncode == 0 and "; 0 differences" in check.stderr


def damage(target: str, sql: str, params: tuple[object, ...]) -> None:
    """Change the copy behind the store's back (``?`` placeholders), one row exactly."""
    if target.startswith("postgresql://"):
        with psycopg.connect(target, autocommit=True) as db:
            assert db.execute(sql.replace("?", "%s"), params).rowcount == 1
    else:
        with sqlite3.connect(target) as db:
            assert db.execute(sql, params).rowcount == 1


def test_a_damaged_copy_is_found(settings: Settings, school: DemoSchool, target: str) -> None:
    write_the_school(settings, school)
    assert collab("migrate", "--from", str(settings.data_dir), "--to", target, data=None).returncode == 0
    # The last update of Léa and Noé's text lost; one letter of a name changed.
    last = "(SELECT MAX(seq) FROM doc_updates WHERE doc_id = ?)"
    damage(target, f"DELETE FROM doc_updates WHERE doc_id = ? AND seq = {last}", (school.lea_doc, school.lea_doc))
    damage(target, "UPDATE users SET display_name = 'Lea' WHERE login = ?", ("lea.martin",))
    check = collab("migrate", "--check", "--from", str(settings.data_dir), "--to", target, data=None)
    assert check.returncode == 1
    assert "doc_updates: " in check.stderr and f"document {school.lea_doc}: text differs" in check.stderr
    assert "users: the same number of rows, not the same rows" in check.stderr
    assert "; 3 differences" in check.stderr and "do not serve from it" in check.stderr


def test_a_copy_that_fails_leaves_the_target_empty(settings: Settings, school: DemoSchool, postgres_url: str) -> None:
    """PostgreSQL refuses a NUL character in text, which SQLite keeps: the copy fails at the teacher's
    comment, late in the foreign-key order, and every row copied before it is rolled back."""
    write_the_school(settings, school)
    with_store(settings, lambda store: store.follow_up.set_comment(school.lea_doc, "bien\x00", school.lea_id))
    failed = collab("migrate", "--from", str(settings.data_dir), "--to", postgres_url, data=None)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "rolled back" in failed.stderr and "users: " in failed.stderr  # it had copied some tables
    assert set(target_counts(postgres_url, settings).values()) == {0}
    # Mended, the same command moves the school.
    with_store(settings, lambda store: store.follow_up.set_comment(school.lea_doc, "bien", school.lea_id))
    moved = collab("migrate", "--from", str(settings.data_dir), "--to", postgres_url, data=None)
    assert moved.returncode == 0, moved.stderr


def test_usage_errors_are_clear(tmp_path: Path, settings: Settings, school: DemoSchool) -> None:
    data = str(settings.data_dir)
    nowhere = collab("migrate", "--from", str(tmp_path / "rien"), "--to", "postgresql://u@h/b", data=None)
    assert nowhere.returncode == 2 and "no database at" in nowhere.stderr
    wrong = collab("migrate", "--from", data, "--to", "mysql://root:pw@h/b", data=None)
    assert wrong.returncode == 2 and "--to must be a postgresql:// URL" in wrong.stderr and "pw" not in wrong.stderr
    no_target = collab("migrate", "--from", data, data=None, env={"COLLAB_DATABASE": ""})
    assert no_target.returncode == 2 and "--to postgresql://" in no_target.stderr
    helped = collab("migrate", "--help", data=None)
    assert "one transaction" in helped.stdout and "empty database" in helped.stdout


def test_a_target_that_cannot_be_opened_is_said_so(settings: Settings, school: DemoSchool) -> None:
    unreachable = f"postgresql://collab:tres-secret@127.0.0.1:{free_port()}/binome"
    out = collab("migrate", "--from", str(settings.data_dir), "--to", unreachable, data=None)
    assert out.returncode == 1 and "collab: cannot open the database postgresql://collab:***@" in out.stderr
    assert "Traceback" not in out.stderr and "tres-secret" not in out.stderr


def test_a_school_on_an_older_schema_moves_and_its_file_stays_as_it_was(tmp_path: Path, target: str) -> None:
    """A school that last ran an older Binôme (schema 10): its data moves to this version's schema,
    and its own file is left at version 10 for the old Binôme it may go back to."""
    data = tmp_path / "old-school"
    data.mkdir()
    with sqlite3.connect(data / "collab.sqlite3") as db:
        for _name, script in MIGRATIONS[:10]:
            db.executescript(script)
        db.execute("PRAGMA user_version = 10")
        db.execute(
            "INSERT INTO users (login, display_name, role, created_at) VALUES ('m.ancien', 'M. Ancien', 'teacher', 1)"
        )
        db.execute("INSERT INTO documents (id, title, created_at) VALUES ('vieux', 'Vieux texte', 1.0)")
        db.execute("INSERT INTO doc_updates VALUES ('vieux', 1, ?, NULL, 1.0)", (typed_updates("a")[0],))
    out = collab("migrate", "--from", str(data), "--to", target, data=None)
    assert out.returncode == 0, out.stderr
    assert texts_in(target) == {"vieux": "a"}
    assert collab("users", data=None, env={"COLLAB_DATABASE": target}).stdout.count("m.ancien") == 1
    with sqlite3.connect(data / "collab.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (10,)
