"""Agreements on a version, and the class blog: posts, their comments, the class's settings
(moderation, comments, the kill switch) and the private key of its Atom feed."""

from __future__ import annotations

import secrets
import time
from typing import Any

from collab.models import BlogSettings, Comment, DocStatus, Draft, Post, Waiting
from collab.store.database import Database

_POST_COLUMNS = "id, class_id, doc_id, pair_id, task_id, title, body, status, created_at, published_at, comments_mode"
_COMMENT_SELECT = (
    "SELECT c.id, c.post_id, p.class_id, c.author_id, u.display_name, c.body, c.status, c.created_at "
    "FROM comments c JOIN posts p ON p.id = c.post_id LEFT JOIN users u ON u.id = c.author_id"
)
#: How a class (and, by default, each of its posts) takes comments.
COMMENT_MODES = ("off", "immediate", "held")


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
        row[10],
    )


def _comment(row: Any) -> Comment:
    return Comment(int(row[0]), int(row[1]), int(row[2]), row[3], row[4], str(row[5]), str(row[6]), float(row[7]))


class BlogStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- agreements ----------------------------------------------------------------------

    async def agreements(self, doc_id: str) -> dict[int, bytes]:
        rows = await self.db.fetchall("SELECT user_id, state_vector FROM agreements WHERE doc_id = ?", (doc_id,))
        return {int(r[0]): bytes(r[1]) for r in rows}

    async def agree(self, doc_id: str, user_id: int, state_vector: bytes, *, upto_seq: int) -> dict[int, bytes] | None:
        """Record ``user_id``'s agreement with ``state_vector`` (the version made of the log up to
        ``upto_seq``) and return every agreement on the document, in one transaction under the
        document's agreement lock: of two pupils agreeing at once on two workers, the second sees
        the first. None (nothing recorded) when the log has updates after ``upto_seq``: the
        version agreed with is not the latest any more."""
        async with self.db.write() as conn:
            await conn.lock(f"document:{doc_id}")
            head = await conn.fetchone("SELECT COALESCE(MAX(seq), 0) FROM doc_updates WHERE doc_id = ?", (doc_id,))
            if head is not None and int(head[0]) > upto_seq:
                return None
            await conn.execute(
                "INSERT INTO agreements (doc_id, user_id, state_vector, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (doc_id, user_id) DO UPDATE SET state_vector = excluded.state_vector, "
                "created_at = excluded.created_at",
                (doc_id, user_id, state_vector, time.time()),
            )
            rows = await conn.fetchall("SELECT user_id, state_vector FROM agreements WHERE doc_id = ?", (doc_id,))
        return {int(r[0]): bytes(r[1]) for r in rows}

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
        transaction, so a post never exists for a document still open, nor the reverse. A document
        has one post: when it has one already (the partner's agreement published it at the same
        instant, on another worker), that post is returned as it is."""
        now = time.time()
        status = "submitted" if moderated else "published"
        existing = await self.post_of_document(doc_id)
        if existing is not None:
            return existing
        async with self.db.write() as conn:
            # The unique doc_id decides, on both engines: a concurrent insert waits, then does nothing.
            row = await conn.fetchone(
                "INSERT INTO posts (class_id, doc_id, pair_id, task_id, title, body, state_vector, status, "
                "created_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (doc_id) DO NOTHING RETURNING id",
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
            if row is not None:
                await conn.execute(
                    "UPDATE documents SET status = ?, sent_back_at = NULL WHERE id = ?",
                    (DocStatus.PUBLISHED.value, doc_id),
                )
                await conn.execute("DELETE FROM agreements WHERE doc_id = ?", (doc_id,))
        found = await self.get(int(row[0])) if row is not None else await self.post_of_document(doc_id)
        assert found is not None
        return found

    async def get(self, post_id: int) -> Post | None:
        row = await self.db.fetchone(f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,))
        return _post(row) if row else None

    async def sent_back(self, doc_id: str) -> tuple[float, str] | None:
        """When the teacher last sent this text back to its pair and what she told them (None once
        the pair agreed on it again)."""
        row = await self.db.fetchone("SELECT sent_back_at, sent_back_word FROM documents WHERE id = ?", (doc_id,))
        return (float(row[0]), str(row[1])) if row and row[0] is not None else None

    async def post_of_document(self, doc_id: str) -> Post | None:
        row = await self.db.fetchone(f"SELECT {_POST_COLUMNS} FROM posts WHERE doc_id = ?", (doc_id,))
        return _post(row) if row else None

    async def posts_of_class(self, class_id: int, *, with_submitted: bool, limit: int = -1) -> list[Post]:
        """Newest first; the submitted ones only for those who moderate; at most ``limit`` (-1: all)."""
        where = "class_id = ?" + ("" if with_submitted else " AND status = 'published'")
        bounded = limit >= 0  # PostgreSQL refuses LIMIT -1
        rows = await self.db.fetchall(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE {where} "
            f"ORDER BY COALESCE(published_at, created_at) DESC, id DESC{' LIMIT ?' if bounded else ''}",
            (class_id, limit) if bounded else (class_id,),
        )
        return [_post(r) for r in rows]

    async def approve(self, post_id: int) -> bool:
        """A submitted post goes online; False if it was not waiting."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE posts SET status = 'published', published_at = ? WHERE id = ? AND status = 'submitted'",
                (time.time(), post_id),
            )
            return changed > 0

    async def unpublish(self, post_id: int) -> bool:
        """A published post is withdrawn: back to the teacher's queue; False if it was not online."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE posts SET status = 'submitted', published_at = NULL WHERE id = ? AND status = 'published'",
                (post_id,),
            )
            return changed > 0

    async def send_back(self, post_id: int, word: str = "") -> str | None:
        """A submitted post goes back to its pair: the post is deleted and its document reopens to
        writing, in one transaction. The document's id, or None if the post was not waiting (or a
        next draft was started from it meanwhile)."""
        async with self.db.write() as conn:
            # The delete decides: of two send-backs at once (or a send-back and an approval), the
            # second finds no waiting post, on both engines.
            row = await conn.fetchone(
                "DELETE FROM posts WHERE id = ? AND status = 'submitted' "
                "AND NOT EXISTS (SELECT 1 FROM documents c WHERE c.parent_id = posts.doc_id) RETURNING doc_id",
                (post_id,),
            )
            if row is None:
                return None
            doc_id = str(row[0])
            await conn.execute(
                "UPDATE documents SET status = ?, sent_back_at = ?, sent_back_word = ? WHERE id = ?",
                (DocStatus.OPEN.value, time.time(), word, doc_id),
            )
            await conn.execute("DELETE FROM agreements WHERE doc_id = ?", (doc_id,))
            # The teacher's decisions on differences were for this text: it is going to change.
            await conn.execute("DELETE FROM correction_overrides WHERE doc_id = ?", (doc_id,))
        return doc_id

    async def drafts_of_class(self, class_id: int, *, limit: int = 200) -> list[Draft]:
        """The class's texts being written (open or locked, no post yet), newest first."""
        rows = await self.db.fetchall(
            "SELECT d.id, d.title, d.status, d.pair_id, d.draft, d.created_at FROM documents d "
            "WHERE d.class_id = ? AND d.status IN ('open', 'locked') "
            "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.doc_id = d.id) "
            "ORDER BY d.created_at DESC, d.id LIMIT ?",
            (class_id, limit),
        )
        return [Draft(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4]), float(r[5])) for r in rows]

    async def waiting(self, class_id: int) -> Waiting:
        row = await self.db.fetchone(
            "SELECT (SELECT COUNT(*) FROM posts WHERE class_id = :c AND status = 'submitted'), "
            "(SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id "
            "WHERE p.class_id = :c AND c.status = 'held')",
            {"c": class_id},
        )
        return Waiting(int(row[0]), int(row[1])) if row else Waiting(0, 0)

    # -- the class's settings ------------------------------------------------------------

    async def is_moderated(self, class_id: int) -> bool:
        row = await self.db.fetchone("SELECT blog_moderated FROM classes WHERE id = ?", (class_id,))
        return row is None or bool(row[0])

    async def set_moderated(self, class_id: int, moderated: bool) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE classes SET blog_moderated = ? WHERE id = ?", (int(moderated), class_id))

    async def settings(self, class_id: int) -> BlogSettings:
        row = await self.db.fetchone(
            "SELECT blog_moderated, comments_mode, comments_closed FROM classes WHERE id = ?", (class_id,)
        )
        if row is None:
            return BlogSettings(moderated=True, comments_mode="off", comments_closed=True)
        return BlogSettings(moderated=bool(row[0]), comments_mode=str(row[1]), comments_closed=bool(row[2]))

    async def set_comments_mode(self, class_id: int, mode: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE classes SET comments_mode = ? WHERE id = ?", (mode, class_id))

    async def set_comments_closed(self, class_id: int, closed: bool) -> None:
        """The kill switch; the posts' own modes are kept for when comments open again."""
        async with self.db.write() as conn:
            await conn.execute("UPDATE classes SET comments_closed = ? WHERE id = ?", (int(closed), class_id))

    async def set_post_comments_mode(self, post_id: int, mode: str | None) -> None:
        """The post's own mode, or None to follow the class's."""
        async with self.db.write() as conn:
            await conn.execute("UPDATE posts SET comments_mode = ? WHERE id = ?", (mode, post_id))

    # -- the Atom feed's private key -----------------------------------------------------

    async def feed_key(self, class_id: int) -> str | None:
        row = await self.db.fetchone("SELECT feed_key FROM classes WHERE id = ?", (class_id,))
        return str(row[0]) if row is not None and row[0] is not None else None

    async def ensure_feed_key(self, class_id: int) -> str:
        """The class's feed key, made on first need."""
        found = await self.feed_key(class_id)
        if found is not None:
            return found
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE classes SET feed_key = ? WHERE id = ? AND feed_key IS NULL", (_new_feed_key(), class_id)
            )
        made = await self.feed_key(class_id)
        assert made is not None
        return made

    async def renew_feed_key(self, class_id: int) -> str:
        """A new key: the old feed address stops working."""
        key = _new_feed_key()
        async with self.db.write() as conn:
            await conn.execute("UPDATE classes SET feed_key = ? WHERE id = ?", (key, class_id))
        return key

    # -- comments ------------------------------------------------------------------------

    async def add_comment(self, post_id: int, author_id: int, body: str, status: str) -> Comment | None:
        """A comment on a published post of a class whose comments are not closed (checked in the
        same statement); None when that no longer holds."""
        async with self.db.write() as conn:
            row = await conn.fetchone(
                "INSERT INTO comments (post_id, author_id, body, status, created_at) SELECT ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM posts p JOIN classes k ON k.id = p.class_id "
                "WHERE p.id = ? AND p.status = 'published' AND k.comments_closed = 0) RETURNING id",
                (post_id, author_id, body, status, time.time(), post_id),
            )
        return await self.get_comment(int(row[0])) if row is not None else None

    async def get_comment(self, comment_id: int) -> Comment | None:
        row = await self.db.fetchone(f"{_COMMENT_SELECT} WHERE c.id = ?", (comment_id,))
        return _comment(row) if row else None

    async def comments_of_post(self, post_id: int) -> list[Comment]:
        """Every comment of the post, whatever its status, oldest first (the views pick what to show)."""
        rows = await self.db.fetchall(f"{_COMMENT_SELECT} WHERE c.post_id = ? ORDER BY c.created_at, c.id", (post_id,))
        return [_comment(r) for r in rows]

    async def comments_by(self, author_id: int) -> list[Comment]:
        """Every comment one person wrote (their data, for an RGPD export), oldest first."""
        rows = await self.db.fetchall(
            f"{_COMMENT_SELECT} WHERE c.author_id = ? ORDER BY c.created_at, c.id", (author_id,)
        )
        return [_comment(r) for r in rows]

    async def held_comments(self, class_id: int) -> list[Comment]:
        """The class's comments waiting for the teacher, oldest first."""
        rows = await self.db.fetchall(
            f"{_COMMENT_SELECT} WHERE p.class_id = ? AND c.status = 'held' ORDER BY c.created_at, c.id", (class_id,)
        )
        return [_comment(r) for r in rows]

    async def visible_comment_counts(self, class_id: int) -> dict[int, int]:
        """Post id → number of comments shown to everyone."""
        rows = await self.db.fetchall(
            "SELECT c.post_id, COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id "
            "WHERE p.class_id = ? AND c.status = 'visible' GROUP BY c.post_id",
            (class_id,),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def set_comment_status(self, comment_id: int, status: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE comments SET status = ? WHERE id = ?", (status, comment_id))

    async def delete_comment(self, comment_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,))


def _new_feed_key() -> str:
    return secrets.token_urlsafe(24)
