"""The teacher's follow-up of a task's texts: marking scheme, accepted spellings, the teacher's
word on each difference the correction found, typed annotations and a comment per text."""

from __future__ import annotations

import time

from collab.models import Annotation, TeacherComment
from collab.store.database import Database

ANNOTATION_KINDS = ("accord_gn", "accord_verbe", "homophone", "lexique", "ponctuation", "autre")
MARKINGS = ("counts", "classic", "weighted")


class FollowUpStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- per task ------------------------------------------------------------------------

    async def marking(self, task_id: int) -> str:
        row = await self.db.fetchone("SELECT marking FROM tasks WHERE id = ?", (task_id,))
        return str(row[0]) if row else "counts"

    async def set_marking(self, task_id: int, marking: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE tasks SET marking = ? WHERE id = ?", (marking, task_id))

    async def accepted_variants(self, task_id: int) -> list[tuple[str, str]]:
        rows = await self.db.fetchall(
            "SELECT expected, got FROM accepted_variants WHERE task_id = ? ORDER BY expected, got", (task_id,)
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def accept_variant(self, task_id: int, expected: str, got: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO accepted_variants (task_id, expected, got) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (task_id, expected, got),
            )

    async def refuse_variant(self, task_id: int, expected: str, got: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "DELETE FROM accepted_variants WHERE task_id = ? AND expected = ? AND got = ?",
                (task_id, expected, got),
            )

    # -- per text ------------------------------------------------------------------------

    async def overrides(self, doc_id: str) -> dict[tuple[int, int, str], str | None]:
        """(start, end, the automatic category it is about) → the category the teacher chose, or None:
        not a mistake. An empty automatic category (a choice made before a word could carry two
        mistakes) is about every mistake of the span."""
        rows = await self.db.fetchall(
            'SELECT start, "end", found, category FROM correction_overrides WHERE doc_id = ?', (doc_id,)
        )
        return {(int(r[0]), int(r[1]), str(r[2])): r[3] for r in rows}

    async def override(self, doc_id: str, start: int, end: int, found: str, category: str | None, by: int) -> None:
        """The teacher's choice for the mistake ``found`` (its automatic category) at ``start``–``end``."""
        async with self.db.write() as conn:
            await conn.execute(
                'INSERT INTO correction_overrides (doc_id, start, "end", found, category, set_by, set_at) '
                'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, start, "end", found) DO UPDATE SET '
                "category = excluded.category, set_by = excluded.set_by, set_at = excluded.set_at",
                (doc_id, start, end, found, category, by, time.time()),
            )

    async def clear_override(self, doc_id: str, start: int, end: int, found: str) -> None:
        """Back to the automatic correction for that mistake (and for an older choice about the whole
        span, which covered it)."""
        async with self.db.write() as conn:
            await conn.execute(
                "DELETE FROM correction_overrides WHERE doc_id = ? AND start = ? AND \"end\" = ? AND found IN (?, '')",
                (doc_id, start, end, found),
            )

    async def annotations(self, doc_id: str) -> list[Annotation]:
        rows = await self.db.fetchall(
            'SELECT id, doc_id, start, "end", quote, kind, note, created_at FROM annotations '
            "WHERE doc_id = ? ORDER BY start, id",
            (doc_id,),
        )
        return [
            Annotation(int(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5]), str(r[6]), float(r[7]))
            for r in rows
        ]

    async def annotate(self, doc_id: str, start: int, end: int, quote: str, kind: str, note: str, by: int) -> int:
        async with self.db.write() as conn:
            annotation_id = await conn.insert(
                'INSERT INTO annotations (doc_id, start, "end", quote, kind, note, author_id, created_at) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, start, end, quote, kind, note, by, time.time()),
            )
            return annotation_id

    async def remove_annotation(self, doc_id: str, annotation_id: int) -> bool:
        async with self.db.write() as conn:
            changed = await conn.execute("DELETE FROM annotations WHERE id = ? AND doc_id = ?", (annotation_id, doc_id))
            return changed > 0

    async def comment(self, doc_id: str) -> TeacherComment | None:
        row = await self.db.fetchone("SELECT body, updated_at FROM teacher_comments WHERE doc_id = ?", (doc_id,))
        return TeacherComment(str(row[0]), float(row[1])) if row else None

    async def set_comment(self, doc_id: str, body: str, by: int) -> None:
        async with self.db.write() as conn:
            if body:
                await conn.execute(
                    "INSERT INTO teacher_comments (doc_id, body, author_id, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (doc_id) DO UPDATE SET body = excluded.body, author_id = excluded.author_id, "
                    "updated_at = excluded.updated_at",
                    (doc_id, body, by, time.time()),
                )
            else:
                await conn.execute("DELETE FROM teacher_comments WHERE doc_id = ?", (doc_id,))
