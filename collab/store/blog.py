"""Agreements on a version, and the class blog's posts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from collab.models import DocStatus
from collab.store.database import Database

_POST_COLUMNS = "id, class_id, doc_id, pair_id, task_id, title, body, status, created_at, published_at"


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    class_id: int
    doc_id: str
    pair_id: int | None
    task_id: int | None
    title: str
    body: str
    status: str  # "submitted" (waits for the teacher) or "published"
    created_at: float
    published_at: float | None

    @property
    def published(self) -> bool:
        return self.status == "published"


def _post(row: Any) -> Post:
    return Post(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        row[3],
        row[4],
        str(row[5]),
        str(row[6]),
        str(row[7]),
        float(row[8]),
        row[9],
    )


class BlogStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- agreements ----------------------------------------------------------------------

    async def agreements(self, doc_id: str) -> dict[int, bytes]:
        async with self.db.conn.execute(
            "SELECT user_id, state_vector FROM agreements WHERE doc_id = ?", (doc_id,)
        ) as cur:
            return {int(r[0]): bytes(r[1]) for r in await cur.fetchall()}

    async def agree(self, doc_id: str, user_id: int, state_vector: bytes) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO agreements (doc_id, user_id, state_vector, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (doc_id, user_id) DO UPDATE SET state_vector = excluded.state_vector, "
                "created_at = excluded.created_at",
                (doc_id, user_id, state_vector, time.time()),
            )

    async def clear_agreements(self, doc_id: str, *, before: float) -> None:
        """Forget the agreements given before an edit made at ``before`` (not the newer ones)."""
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM agreements WHERE doc_id = ? AND created_at <= ?", (doc_id, before))

    # -- posts ---------------------------------------------------------------------------

    async def publish(
        self,
        *,
        doc_id: str,
        class_id: int,
        pair_id: int | None,
        task_id: int | None,
        title: str,
        body: str,
        state_vector: bytes,
        moderated: bool,
    ) -> Post:
        """The agreed text becomes a post (submitted or published), and its document closes: one
        transaction, so a post never exists for a document still open, nor the reverse."""
        now = time.time()
        status = "submitted" if moderated else "published"
        async with self.db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO posts (class_id, doc_id, pair_id, task_id, title, body, state_vector, status, "
                "created_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    class_id,
                    doc_id,
                    pair_id,
                    task_id,
                    title,
                    body,
                    state_vector,
                    status,
                    now,
                    None if moderated else now,
                ),
            )
            post_id = int(cur.lastrowid or 0)
            await conn.execute("UPDATE documents SET status = ? WHERE id = ?", (DocStatus.PUBLISHED.value, doc_id))
            await conn.execute("DELETE FROM agreements WHERE doc_id = ?", (doc_id,))
        found = await self.get(post_id)
        assert found is not None
        return found

    async def get(self, post_id: int) -> Post | None:
        async with self.db.conn.execute(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)) as cur:
            row = await cur.fetchone()
        return _post(row) if row else None

    async def post_of_document(self, doc_id: str) -> Post | None:
        async with self.db.conn.execute(f"SELECT {_POST_COLUMNS} FROM posts WHERE doc_id = ?", (doc_id,)) as cur:
            row = await cur.fetchone()
        return _post(row) if row else None

    async def posts_of_class(self, class_id: int, *, with_submitted: bool) -> list[Post]:
        """Newest first; the submitted ones only for those who moderate."""
        where = "class_id = ?" + ("" if with_submitted else " AND status = 'published'")
        async with self.db.conn.execute(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE {where} "
            "ORDER BY COALESCE(published_at, created_at) DESC, id DESC",
            (class_id,),
        ) as cur:
            return [_post(r) for r in await cur.fetchall()]

    async def approve(self, post_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE posts SET status = 'published', published_at = ? WHERE id = ? AND status = 'submitted'",
                (time.time(), post_id),
            )

    async def is_moderated(self, class_id: int) -> bool:
        async with self.db.conn.execute("SELECT blog_moderated FROM classes WHERE id = ?", (class_id,)) as cur:
            row = await cur.fetchone()
        return row is None or bool(row[0])

    async def set_moderated(self, class_id: int, moderated: bool) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE classes SET blog_moderated = ? WHERE id = ?", (int(moderated), class_id))
