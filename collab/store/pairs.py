"""Pairs (binômes) and trios of a class, and the pupils a teacher keeps apart."""

from __future__ import annotations

import time
from collections.abc import Sequence

from collab.models import Pair, Role, User
from collab.store.database import Database, Reader


async def _pairs(reader: Reader, where: str, args: tuple[object, ...]) -> list[Pair]:
    rows = await reader.fetchall(
        "SELECT p.id, p.class_id, p.number, p.dissolved_at, p.former_members, "
        "u.id, u.login, u.display_name, u.role "
        f"FROM pairs p JOIN pair_members m ON m.pair_id = p.id JOIN users u ON u.id = m.user_id WHERE {where} "
        "ORDER BY p.number, p.id, lower(u.display_name), u.id",
        args,
    )
    pairs: dict[int, tuple[int, int, bool, int, list[User]]] = {}
    for r in rows:
        entry = pairs.setdefault(int(r[0]), (int(r[1]), int(r[2]), r[3] is not None, int(r[4]), []))
        entry[4].append(User(id=int(r[5]), login=str(r[6]), display_name=str(r[7]), role=Role(r[8])))
    return [
        Pair(pid, c, n, tuple(members), dissolved, former) for pid, (c, n, dissolved, former, members) in pairs.items()
    ]


_CURRENT = "p.class_id = ? AND p.dissolved_at IS NULL"


class PairStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current_pairs(self, class_id: int) -> list[Pair]:
        return await _pairs(self.db, _CURRENT, (class_id,))

    async def pairs_of_class(self, class_id: int) -> list[Pair]:
        """Every pair the class has had, dissolved ones too (their documents remain)."""
        return await _pairs(self.db, "p.class_id = ?", (class_id,))

    async def get_pair(self, pair_id: int) -> Pair | None:
        found = await _pairs(self.db, "p.id = ?", (pair_id,))
        return found[0] if found else None

    async def pairs_of(self, user_id: int) -> list[Pair]:
        """Every pair the pupil has been part of (current ones first)."""
        pairs = await _pairs(self.db, "p.id IN (SELECT pair_id FROM pair_members WHERE user_id = ?)", (user_id,))
        return sorted(pairs, key=lambda p: (p.dissolved, -p.id))

    async def arrange(self, class_id: int, groups: Sequence[Sequence[int]]) -> list[Pair]:
        """Make these groups the class's pairs. Groups that already exist are kept as they
        are (their documents go on); the other current pairs are dissolved, never deleted."""
        wanted = [frozenset(g) for g in groups]
        now = time.time()
        async with self.db.write() as conn:
            # One arrangement of a class at a time, across workers: the pairs read are those changed.
            await conn.lock(f"pairs:{class_id}")
            current = await _pairs(conn, _CURRENT, (class_id,))
            by_members = {frozenset(m.id for m in p.members): p for p in current}
            for members, pair in by_members.items():
                if members not in wanted:
                    await conn.execute("UPDATE pairs SET dissolved_at = ? WHERE id = ?", (now, pair.id))
            for number, members in enumerate(wanted, start=1):
                existing = by_members.get(members)
                if existing is not None:
                    await conn.execute("UPDATE pairs SET number = ? WHERE id = ?", (number, existing.id))
                    continue
                pair_id = await conn.insert(
                    "INSERT INTO pairs (class_id, number, created_at) VALUES (?, ?, ?)", (class_id, number, now)
                )
                await conn.executemany(
                    "INSERT INTO pair_members (pair_id, user_id) VALUES (?, ?)",
                    [(pair_id, uid) for uid in members],
                )
        return await self.current_pairs(class_id)

    async def kept_apart(self, class_id: int) -> set[frozenset[int]]:
        rows = await self.db.fetchall("SELECT user_a, user_b FROM kept_apart WHERE class_id = ?", (class_id,))
        return {frozenset((int(r[0]), int(r[1]))) for r in rows}

    async def keep_apart(self, class_id: int, a: int, b: int, apart: bool = True) -> None:
        low, high = sorted((a, b))
        async with self.db.write() as conn:
            if apart:
                await conn.execute(
                    "INSERT INTO kept_apart (class_id, user_a, user_b) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (class_id, low, high),
                )
            else:
                await conn.execute(
                    "DELETE FROM kept_apart WHERE class_id = ? AND user_a = ? AND user_b = ?", (class_id, low, high)
                )
