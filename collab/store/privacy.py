"""Erasing a person (RGPD): every row that names them, in one transaction; and the audit log of
what administrators did with a pupil's data."""

from __future__ import annotations

import time
from collections.abc import Sequence

from collab.models import AuditEntry
from collab.store.database import Database


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def erase_user(self, user_id: int, document_ids: Sequence[str], former_of: Sequence[int] = ()) -> None:
        """Delete these documents (text, log, snapshot) and the account; every table that
        references the account cascades (tokens, sessions, credentials, memberships, links),
        and the person's name is removed from the authorship of any other document: the pairs
        ``former_of`` keep their texts and count one former member more (« un ancien élève »)."""
        docs = [(doc_id,) for doc_id in document_ids]
        async with self.db.write() as conn:
            for table in ("doc_updates", "doc_snapshots", "document_members", "task_documents"):
                await conn.executemany(f"DELETE FROM {table} WHERE doc_id = ?", docs)
            await conn.executemany("DELETE FROM documents WHERE id = ?", docs)
            await conn.executemany(
                "UPDATE pairs SET former_members = former_members + 1 WHERE id = ?", [(p,) for p in former_of]
            )
            await conn.execute("UPDATE doc_updates SET author_id = NULL WHERE author_id = ?", (user_id,))
            await conn.execute("DELETE FROM comments WHERE author_id = ?", (user_id,))
            await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))

    async def record(
        self, actor_id: int | None, actor_login: str, action: str, subject_id: int, subject_login: str
    ) -> None:
        """One line of the audit log (kept after the subject is erased: it says who did what)."""
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO audit_log (at, actor_id, actor_login, action, subject_id, subject_login) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), actor_id, actor_login, action, subject_id, subject_login),
            )

    async def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The latest lines of the audit log, newest first."""
        rows = await self.db.fetchall(
            "SELECT at, actor_login, action, subject_login FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(float(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
