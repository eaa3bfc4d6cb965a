"""Writing tasks: their groups (differentiation) and one document per (task, pair)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from collab.models import DocStatus, NewGroup, Task, TaskDocument, TaskGroup
from collab.states import TextFacts
from collab.store.database import Database

#: The task_documents row of a document or, for a later draft, of the first draft it comes from.
_FIRST_DRAFT_ROW = (
    "WITH RECURSIVE chain(id) AS (SELECT id FROM documents WHERE id = ? UNION ALL "
    "SELECT d.parent_id FROM documents d JOIN chain ON d.id = chain.id WHERE d.parent_id IS NOT NULL), "
    "first AS (SELECT td.task_id, td.group_id FROM task_documents td JOIN chain ON td.doc_id = chain.id LIMIT 1)"
)


def document_id(task_id: int, pair_id: int) -> str:
    return f"t{task_id}-p{pair_id}"


def _group(row: Any) -> TaskGroup:
    return TaskGroup(int(row[0]), str(row[1]), str(row[2]), row[3], str(row[4]))


class TaskStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        class_id: int,
        kind: str,
        title: str,
        opens_at: float | None,
        closes_at: float | None,
        created_by: int,
        groups: Sequence[NewGroup],
    ) -> int:
        """The task, its groups, and a document for every pair of every group, in one go."""
        now = time.time()
        async with self.db.write() as conn:
            task_id = await conn.insert(
                "INSERT INTO tasks (class_id, kind, title, opens_at, closes_at, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (class_id, kind, title, opens_at, closes_at, created_by, now),
            )
            for group in groups:
                group_id = await conn.insert(
                    "INSERT INTO task_groups (task_id, label, instructions, media_id, reference_text) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (task_id, group.label, group.instructions, group.media_id, group.reference_text),
                )
                for pair_id in group.pair_ids:
                    doc_id = document_id(task_id, pair_id)
                    await conn.execute(
                        "INSERT INTO documents (id, title, created_at, class_id, pair_id) VALUES (?, ?, ?, ?, ?)",
                        (doc_id, title, now, class_id, pair_id),
                    )
                    await conn.execute(
                        "INSERT INTO task_documents (task_id, pair_id, group_id, doc_id) VALUES (?, ?, ?, ?)",
                        (task_id, pair_id, group_id, doc_id),
                    )
        return task_id

    async def get(self, task_id: int) -> Task | None:
        row = await self.db.fetchone(
            "SELECT id, class_id, kind, title, opens_at, closes_at, created_at FROM tasks WHERE id = ?", (task_id,)
        )
        if row is None:
            return None
        groups = tuple(
            _group(r)
            for r in await self.db.fetchall(
                "SELECT id, label, instructions, media_id, reference_text FROM task_groups "
                "WHERE task_id = ? ORDER BY id",
                (task_id,),
            )
        )
        return Task(int(row[0]), int(row[1]), str(row[2]), str(row[3]), row[4], row[5], float(row[6]), groups)

    async def list_for_class(self, class_id: int) -> list[Task]:
        ids = [
            int(r[0])
            for r in await self.db.fetchall(
                "SELECT id FROM tasks WHERE class_id = ? ORDER BY created_at DESC, id DESC", (class_id,)
            )
        ]
        tasks = [await self.get(task_id) for task_id in ids]
        return [t for t in tasks if t is not None]

    async def documents(self, task_id: int) -> list[TaskDocument]:
        """Each pair's text of the task, followed by its later drafts, by pair number."""
        rows = await self.db.fetchall(
            "WITH RECURSIVE chain(task_id, pair_id, group_id, doc_id) AS ("
            " SELECT task_id, pair_id, group_id, doc_id FROM task_documents WHERE task_id = ?"
            " UNION ALL SELECT c.task_id, c.pair_id, c.group_id, d.id FROM documents d"
            " JOIN chain c ON d.parent_id = c.doc_id) "
            "SELECT c.task_id, c.pair_id, c.group_id, c.doc_id, d.status, d.draft FROM chain c "
            "JOIN documents d ON d.id = c.doc_id JOIN pairs p ON p.id = c.pair_id "
            "ORDER BY p.number, c.pair_id, d.draft",
            (task_id,),
        )
        return [TaskDocument(int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), int(r[5])) for r in rows]

    async def text_facts(self, doc_ids: Sequence[str]) -> dict[str, TextFacts]:
        """What the state of each of these texts is derived from (``collab.states``): its status,
        its post, a send-back, and for a first draft its task's writing window."""
        if not doc_ids:
            return {}
        marks = ", ".join("?" for _ in doc_ids)
        rows = await self.db.fetchall(
            "SELECT d.id, d.status, p.status, d.sent_back_at IS NOT NULL, t.opens_at, t.closes_at, "
            "d.sent_back_at IS NOT NULL AND t.closes_at IS NOT NULL AND d.sent_back_at >= t.closes_at "
            "FROM documents d LEFT JOIN posts p ON p.doc_id = d.id "
            "LEFT JOIN task_documents td ON td.doc_id = d.id LEFT JOIN tasks t ON t.id = td.task_id "
            f"WHERE d.id IN ({marks})",
            tuple(doc_ids),
        )
        return {str(r[0]): TextFacts(DocStatus(r[1]), r[2], bool(r[3]), r[4], r[5], bool(r[6])) for r in rows}

    async def task_of_document(self, doc_id: str) -> int | None:
        """The task a document was made for (for a second draft: its first draft's)."""
        row = await self.db.fetchone(f"{_FIRST_DRAFT_ROW} SELECT task_id FROM first", (doc_id,))
        return int(row[0]) if row else None

    async def assignment(self, doc_id: str) -> tuple[Task, TaskGroup] | None:
        """The task a document was made for, and the group (instructions, media) of its pair; a
        second draft belongs to its first draft's."""
        row = await self.db.fetchone(f"{_FIRST_DRAFT_ROW} SELECT task_id, group_id FROM first", (doc_id,))
        task = await self.get(int(row[0])) if row else None
        if row is None or task is None:
            return None
        group = next(g for g in task.groups if g.id == int(row[1]))
        return task, group

    async def adopt(
        self, *, class_id: int, title: str, reference: str, created_by: int, documents: Sequence[tuple[int, str]]
    ) -> int:
        """A dictation made of documents that already exist ((pair id, doc id) pairs): the load-test
        school's, so that its classes have a dashboard feed. Returns the task's id."""
        now = time.time()
        async with self.db.write() as conn:
            task_id = await conn.insert(
                "INSERT INTO tasks (class_id, kind, title, created_by, created_at) VALUES (?, 'dictation', ?, ?, ?)",
                (class_id, title, created_by, now),
            )
            group_id = await conn.insert(
                "INSERT INTO task_groups (task_id, label, reference_text) VALUES (?, 'A', ?)", (task_id, reference)
            )
            await conn.executemany(
                "INSERT INTO task_documents (task_id, pair_id, group_id, doc_id) VALUES (?, ?, ?, ?)",
                [(task_id, pair_id, group_id, doc_id) for pair_id, doc_id in documents],
            )
        return task_id

    async def end(self, task_id: int, at: float) -> None:
        """Close the task's writing window now (if it was still open), and the windows of its texts
        sent back after an earlier end (see DocumentTarget.open_at)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE documents SET sent_back_at = NULL WHERE sent_back_at IS NOT NULL "
                "AND id IN (SELECT doc_id FROM task_documents WHERE task_id = :t) "
                "AND sent_back_at >= (SELECT closes_at FROM tasks WHERE id = :t)",
                {"t": task_id},
            )
            await conn.execute(
                "UPDATE tasks SET closes_at = ? WHERE id = ? AND (closes_at IS NULL OR closes_at > ?)",
                (at, task_id, at),
            )

    async def media_in_use(self, media_id: int) -> bool:
        return await self.db.fetchone("SELECT 1 FROM task_groups WHERE media_id = ? LIMIT 1", (media_id,)) is not None
