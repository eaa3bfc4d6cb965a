"""Erasing a person (RGPD): every row that names them, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from collab.store.database import Database


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def erase_user(self, user_id: int, document_ids: Sequence[str]) -> None:
        """Delete these documents (text, log, snapshot) and the account; every table that
        references the account cascades (tokens, sessions, credentials, memberships, links),
        and the person's name is removed from the authorship of any other document."""
        docs = [(doc_id,) for doc_id in document_ids]
        async with self.db.write() as conn:
            for table in ("doc_updates", "doc_snapshots", "document_members", "task_documents"):
                await conn.executemany(f"DELETE FROM {table} WHERE doc_id = ?", docs)
            await conn.executemany("DELETE FROM documents WHERE id = ?", docs)
            await conn.execute("UPDATE doc_updates SET author_id = NULL WHERE author_id = ?", (user_id,))
            await conn.execute("DELETE FROM comments WHERE author_id = ?", (user_id,))
            await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
