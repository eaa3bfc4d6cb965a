"""The médiathèque's records (the files themselves live in the data directory)."""

from __future__ import annotations

import json
import time
from typing import Any

from collab.models import Media, MediaKind, StoredFile
from collab.store.database import Database

_COLUMNS = "id, school_id, class_id, name, sha256, kind, mime, size, duration, created_at, cuts"


def _media(row: Any) -> Media:
    return Media(
        id=int(row[0]),
        school_id=int(row[1]),
        class_id=row[2],
        name=str(row[3]),
        sha256=str(row[4]),
        kind=MediaKind(row[5]),
        mime=str(row[6]),
        size=int(row[7]),
        duration=row[8],
        created_at=float(row[9]),
        cuts=tuple(float(c) for c in json.loads(row[10])),
    )


class MediaStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, file: StoredFile, *, school_id: int, class_id: int | None, name: str, uploaded_by: int
    ) -> Media:
        async with self.db.write() as conn:
            media_id = await conn.insert(
                "INSERT INTO media (school_id, class_id, name, sha256, kind, mime, size, duration, cuts, "
                "uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    school_id,
                    class_id,
                    name,
                    file.sha256,
                    file.type.kind.value,
                    file.type.mime,
                    file.size,
                    file.duration,
                    json.dumps(list(file.cuts)),
                    uploaded_by,
                    time.time(),
                ),
            )
        found = await self.get(media_id)
        assert found is not None
        return found

    async def get(self, media_id: int) -> Media | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM media WHERE id = ?", (media_id,))
        return _media(row) if row else None

    async def list_for_class(self, class_id: int, school_id: int) -> list[Media]:
        """The class's own files, then the school's shared shelf; newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM media WHERE class_id = ? OR (class_id IS NULL AND school_id = ?) "
            "ORDER BY class_id IS NULL, created_at DESC",
            (class_id, school_id),
        )
        return [_media(r) for r in rows]

    async def rename(self, media_id: int, name: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE media SET name = ? WHERE id = ?", (name, media_id))

    async def set_cuts(self, media_id: int, cuts: list[float]) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE media SET cuts = ? WHERE id = ?", (json.dumps(cuts), media_id))

    async def delete(self, media_id: int) -> bool:
        """Remove the record; True when no other record still uses the same file."""
        async with self.db.write() as conn:
            row = await conn.fetchone("SELECT sha256 FROM media WHERE id = ?", (media_id,))
            if row is None:
                return False
            await conn.execute("DELETE FROM media WHERE id = ?", (media_id,))
            left = await conn.fetchone("SELECT COUNT(*) FROM media WHERE sha256 = ?", (row[0],))
        return left is not None and int(left[0]) == 0
