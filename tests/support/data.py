"""Data a test needs in the database before it acts: through the store, as the product writes it."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from collab.settings import Settings
from collab.store import Store
from tests.support.server import run_async
from tests.support.web import DemoSchool
from tests.support.yclient import update_inserting

T = TypeVar("T")


def stored_text_has(settings: Settings, doc: str, needle: str) -> bool:
    """Whether any stored update of ``doc`` carries ``needle`` (updates hold inserted text as is)."""
    with sqlite3.connect(settings.database_path) as db:
        rows = db.execute("SELECT data FROM doc_updates WHERE doc_id = ?", (doc,)).fetchall()
    return any(needle.encode() in bytes(r[0]) for r in rows)


WRITTEN_AT = 1796076300.0  # 2026-11-30 23:05 in Paris


def publish_written(settings: Settings, school: DemoSchool, doc: str, body: str, writers: list[tuple[int, str]]) -> int:
    """The pair's text, written by ``writers`` (author id, words), published on the class blog."""
    with sqlite3.connect(settings.database_path) as db:
        for seq, (author, words) in enumerate(writers, start=1):
            db.execute(
                "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (doc, seq, update_inserting(words), author, WRITTEN_AT + seq),
            )
        pair_id, task_id = db.execute(
            "SELECT d.pair_id, td.task_id FROM documents d JOIN task_documents td ON td.doc_id = d.id WHERE d.id = ?",
            (doc,),
        ).fetchone()
        db.execute("UPDATE documents SET status = 'published' WHERE id = ?", (doc,))
        post_id = db.execute(
            "INSERT INTO posts (class_id, doc_id, pair_id, task_id, title, body, state_vector, status, created_at, "
            "published_at, comments_mode) VALUES (?, ?, ?, ?, 'Le marché', ?, x'00', 'published', ?, ?, 'immediate')",
            (school.class_id, doc, pair_id, task_id, body, WRITTEN_AT, WRITTEN_AT),
        ).lastrowid
    return int(post_id or 0)


def school_id(settings: Settings) -> int:
    with sqlite3.connect(settings.database_path) as db:
        (sid,) = db.execute("SELECT id FROM schools WHERE name = 'École Jean Macé'").fetchone()
    return int(sid)


def write_text(settings: Settings, doc_id: str, author_id: int, text: str) -> None:
    with sqlite3.connect(settings.database_path) as db:
        db.execute(
            "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, 1, ?, ?, 0)",
            (doc_id, update_inserting(text), author_id),
        )


BODY = "Chaque samedi matin, le marché arrive sur la place du village."


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work`` on a store of its own over the server's database."""

    async def run() -> T:
        store = await Store.open(settings.database_path)
        try:
            return await work(store)
        finally:
            await store.close()

    return run_async(run)


def publish(
    settings: Settings,
    school: DemoSchool,
    *,
    moderated: bool = True,
    doc: str | None = None,
    title: str = "Dictée : le marché du village",
    body: str = BODY,
) -> int:
    """The text of ``doc`` (Léa and Noé's dictation by default) agreed on: a post, the document closed."""

    async def make(store: Store) -> int:
        doc_id = doc or school.lea_doc
        pair_id = await store.documents.pair_of(doc_id)
        post = await store.blog.publish(
            doc_id=doc_id,
            class_id=school.class_id,
            pair_id=pair_id,
            task_id=school.dictation_task_id,
            title=title,
            body=body,
            state_vector=b"\x00",
            moderated=moderated,
        )
        return post.id

    return with_store(settings, make)
