"""Documents, their members, their update log and snapshots."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from collab.errors import Conflict, NotFound
from collab.models import (
    Access,
    DocStatus,
    Document,
    DocumentTarget,
    Lineage,
    LoadedDocument,
    StoredUpdate,
)
from collab.store.database import Database

_DOC_COLUMNS = "d.id, d.title, d.status, d.created_at"
_TARGET_SELECT = (
    f"SELECT {_DOC_COLUMNS}, d.class_id, c.school_id, d.pair_id, m.access, t.opens_at, t.closes_at, "
    "c.archived_at IS NOT NULL, d.sent_back_at FROM documents d LEFT JOIN classes c ON c.id = d.class_id "
    "LEFT JOIN task_documents td ON td.doc_id = d.id LEFT JOIN tasks t ON t.id = td.task_id "
    "LEFT JOIN document_members m ON m.doc_id = d.id AND m.user_id = :u"
)


#: Documents per query when many are asked at once (SQLite allows 32,766 parameters).
_IDS_PER_QUERY = 500


def _target(row: Any) -> DocumentTarget:
    return DocumentTarget(
        document=_document(row),
        class_id=row[4],
        school_id=row[5],
        pair_id=row[6],
        explicit=Access(row[7]) if row[7] else None,
        opens_at=row[8],
        closes_at=row[9],
        archived=bool(row[10]),
        sent_back_at=row[11],
    )


def _document(row: Any) -> Document:
    return Document(id=str(row[0]), title=str(row[1]), status=DocStatus(row[2]), created_at=float(row[3]))


class DocumentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure_document(
        self, doc_id: str, title: str, *, class_id: int | None = None, pair_id: int | None = None
    ) -> Document:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO documents (id, title, created_at, class_id, pair_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (doc_id, title, time.time(), class_id, pair_id),
            )
        doc = await self.get_document(doc_id)
        assert doc is not None
        return doc

    async def get_document(self, doc_id: str) -> Document | None:
        row = await self.db.fetchone(f"SELECT {_DOC_COLUMNS} FROM documents d WHERE d.id = ?", (doc_id,))
        return _document(row) if row else None

    async def status_of(self, doc_id: str) -> DocStatus:
        row = await self.db.fetchone("SELECT status FROM documents WHERE id = ?", (doc_id,))
        if row is None:
            raise NotFound(f"no document {doc_id!r}")
        return DocStatus(row[0])

    async def pair_of(self, doc_id: str) -> int | None:
        row = await self.db.fetchone("SELECT pair_id FROM documents WHERE id = ?", (doc_id,))
        return int(row[0]) if row is not None and row[0] is not None else None

    async def school_of(self, doc_id: str) -> int | None:
        """The school of the document's class (None when it belongs to no class)."""
        row = await self.db.fetchone(
            "SELECT c.school_id FROM documents d JOIN classes c ON c.id = d.class_id WHERE d.id = ?", (doc_id,)
        )
        return int(row[0]) if row is not None else None

    async def set_status(self, doc_id: str, status: DocStatus) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE documents SET status = ? WHERE id = ?", (status.value, doc_id))

    async def set_members(self, doc_id: str, members: Iterable[tuple[int, Access]]) -> None:
        async with self.db.write() as conn:
            await conn.executemany(
                "INSERT INTO document_members (doc_id, user_id, access) VALUES (?, ?, ?) "
                "ON CONFLICT (doc_id, user_id) DO UPDATE SET access = excluded.access",
                [(doc_id, user_id, access.value) for user_id, access in members],
            )

    async def get_target(self, user_id: int, doc_id: str) -> DocumentTarget | None:
        """The document with its class, school, pair and this user's explicit grant; None if missing."""
        row = await self.db.fetchone(f"{_TARGET_SELECT} WHERE d.id = :d", {"u": user_id, "d": doc_id})
        return _target(row) if row else None

    async def list_targets_for_user(self, user_id: int) -> list[DocumentTarget]:
        """Documents this user may have a claim on: explicit grants, their pairs' and their classes'."""
        rows = await self.db.fetchall(
            f"{_TARGET_SELECT} WHERE m.user_id IS NOT NULL "
            "OR d.pair_id IN (SELECT pair_id FROM pair_members WHERE user_id = :u) "
            "OR d.class_id IN (SELECT class_id FROM class_teachers WHERE user_id = :u) "
            "ORDER BY d.created_at, d.id",
            {"u": user_id},
        )
        return [_target(r) for r in rows]

    async def ids_for_pair(self, pair_id: int) -> list[str]:
        rows = await self.db.fetchall("SELECT id FROM documents WHERE pair_id = ? ORDER BY created_at, id", (pair_id,))
        return [str(r[0]) for r in rows]

    # -- update log and snapshots ---------------------------------------------------------

    async def load(self, doc_id: str) -> LoadedDocument:
        """The latest snapshot and the log tail after it, in order."""
        snap = await self.db.fetchone("SELECT data, upto_seq FROM doc_snapshots WHERE doc_id = ?", (doc_id,))
        snapshot, snapshot_seq = (bytes(snap[0]), int(snap[1])) if snap else (None, 0)
        rows = list(
            await self.db.fetchall(
                "SELECT seq, data FROM doc_updates WHERE doc_id = ? AND seq > ? ORDER BY seq", (doc_id, snapshot_seq)
            )
        )
        tail = [bytes(r[1]) for r in rows]
        last_seq = int(rows[-1][0]) if rows else snapshot_seq
        return LoadedDocument(snapshot=snapshot, snapshot_seq=snapshot_seq, tail=tail, last_seq=last_seq)

    async def last_update(self, doc_id: str) -> tuple[int | None, float] | None:
        """The author and time of a document's latest update, if any."""
        row = await self.db.fetchone(
            "SELECT author_id, created_at FROM doc_updates WHERE doc_id = ? ORDER BY seq DESC LIMIT 1", (doc_id,)
        )
        return (row[0], float(row[1])) if row else None

    async def write_snapshot(self, doc_id: str, data: bytes, upto_seq: int) -> bool:
        """Replace the document's snapshot atomically (never with an older one). One worker
        compacts a document at a time: False (nothing written) while another one does."""
        async with self.db.write() as conn:
            if not await conn.try_lock(f"compaction:{doc_id}"):
                return False
            await conn.execute(
                "INSERT INTO doc_snapshots (doc_id, data, upto_seq, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (doc_id) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq, "
                "created_at = excluded.created_at WHERE excluded.upto_seq >= doc_snapshots.upto_seq",
                (doc_id, data, upto_seq, time.time()),
            )
        return True

    async def heads(self, doc_ids: Iterable[str]) -> dict[str, int]:
        """The log's last number of each of these documents (those with no update are left out):
        the rooms compare it with what they hold (collab.realtime.cluster's safety poll)."""
        wanted = list(doc_ids)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            marks = ",".join("?" for _ in chunk)
            rows = await self.db.fetchall(
                f"SELECT doc_id, MAX(seq) FROM doc_updates WHERE doc_id IN ({marks}) GROUP BY doc_id", chunk
            )
            found.update((str(r[0]), int(r[1])) for r in rows)
        return found

    async def read_log(self, doc_id: str, after_seq: int = 0) -> list[StoredUpdate]:
        """The update log with authors and times (for replay and audits)."""
        rows = await self.db.fetchall(
            "SELECT seq, data, author_id, created_at FROM doc_updates WHERE doc_id = ? AND seq > ? ORDER BY seq",
            (doc_id, after_seq),
        )
        return [StoredUpdate(seq=int(r[0]), data=bytes(r[1]), author_id=r[2], created_at=float(r[3])) for r in rows]

    async def append_updates(self, doc_id: str, updates: Iterable[tuple[bytes, int | None, float]]) -> None:
        """Add (update, author, time) to a document's log, after what is there: for imports and
        the demo (live edits go through the hub's group commit, numbered the same way)."""
        await self.db.append_updates([(doc_id, data, author, at) for data, author, at in updates])

    # -- drafts --------------------------------------------------------------------------

    async def lineage(self, doc_id: str) -> Lineage:
        """Which draft this document is, the one it was started from and the one started from it."""
        row = await self.db.fetchone(
            "SELECT d.draft, d.parent_id, (SELECT c.id FROM documents c WHERE c.parent_id = d.id) "
            "FROM documents d WHERE d.id = ?",
            (doc_id,),
        )
        if row is None:
            raise NotFound(f"no document {doc_id!r}")
        return Lineage(doc_id=doc_id, draft=int(row[0]), parent_id=row[1], child_id=row[2])

    async def create_draft(self, parent_id: str, doc_id: str, title: str, seed: bytes) -> Document:
        """A new draft of ``parent_id``: same class, pair and members, open, its history starting
        with ``seed`` (the parent's whole CRDT state, as one update with no author). Conflict if
        the parent already has a next draft."""
        now = time.time()
        async with self.db.write() as conn:
            # One next draft per text, across workers: both pupils asking at once get one draft and
            # a Conflict, never a duplicate key.
            await conn.lock(f"document:{parent_id}")
            row = await conn.fetchone(
                "SELECT class_id, pair_id, draft, (SELECT id FROM documents WHERE parent_id = ?) "
                "FROM documents WHERE id = ?",
                (parent_id, parent_id),
            )
            if row is None:
                raise NotFound(f"no document {parent_id!r}")
            if row[3] is not None:
                raise Conflict(f"{parent_id} already has a next draft: {row[3]}")
            await conn.execute(
                "INSERT INTO documents (id, title, created_at, class_id, pair_id, parent_id, draft) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, title, now, row[0], row[1], parent_id, int(row[2]) + 1),
            )
            await conn.execute(
                "INSERT INTO document_members (doc_id, user_id, access) "
                "SELECT ?, user_id, access FROM document_members WHERE doc_id = ?",
                (doc_id, parent_id),
            )
            await conn.execute(
                "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, 1, ?, NULL, ?)",
                (doc_id, seed, now),
            )
        doc = await self.get_document(doc_id)
        assert doc is not None
        return doc

    async def count_updates(self, doc_id: str) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM doc_updates WHERE doc_id = ?", (doc_id,))
        return int(row[0]) if row else 0
