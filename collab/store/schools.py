"""Communes, schools, classes, and who belongs where (teachers, pupils, parents, admins)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from collab.models import Role, School, SchoolClass, User
from collab.people import sort_key
from collab.store.database import Database, Reader

# Class codes avoid letters and digits a child confuses (0/O, 1/I/L, 5/S, 2/Z, 8/B).
_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_CODE_LENGTH = 6

_CLASS_COLUMNS = "c.id, c.school_id, c.name, c.level, c.school_year, c.code, c.archived_at"


def _school_class(row: Any) -> SchoolClass:
    return SchoolClass(
        id=int(row[0]),
        school_id=int(row[1]),
        name=str(row[2]),
        level=str(row[3]),
        school_year=str(row[4]),
        code=str(row[5]),
        archived=row[6] is not None,
    )


def _user(row: Any) -> User:
    return User(id=int(row[0]), login=str(row[1]), display_name=str(row[2]), role=Role(row[3]))


def new_class_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


async def _classes(reader: Reader, joins_and_where: str, args: tuple[object, ...]) -> list[SchoolClass]:
    rows = await reader.fetchall(f"SELECT {_CLASS_COLUMNS} FROM classes c {joins_and_where}", args)
    return [_school_class(r) for r in rows]


async def class_by_code(reader: Reader, code: str) -> SchoolClass | None:
    """The class a pupil joins with this code (archived classes cannot be joined)."""
    found = await _classes(reader, "WHERE c.code = ? AND c.archived_at IS NULL", (code.strip().upper(),))
    return found[0] if found else None


class SchoolStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- communes and schools ------------------------------------------------------------

    async def ensure_school(self, commune: str, name: str) -> School:
        found = await self._school_id(commune, name)
        if found is not None:  # no insert: a refused one would still use up an id on PostgreSQL
            school = await self.get_school(found)
            assert school is not None
            return school
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO communes (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (commune, now)
            )
            await conn.execute(
                "INSERT INTO schools (commune_id, name, created_at) "
                "SELECT id, ?, ? FROM communes WHERE name = ? ON CONFLICT DO NOTHING",
                (name, now, commune),
            )
        school_id = await self._school_id(commune, name)
        assert school_id is not None
        school = await self.get_school(school_id)
        assert school is not None
        return school

    async def _school_id(self, commune: str, name: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT s.id FROM schools s JOIN communes c ON c.id = s.commune_id WHERE c.name = ? AND s.name = ?",
            (commune, name),
        )
        return int(row[0]) if row else None

    async def commune_name(self, commune_id: int) -> str | None:
        row = await self.db.fetchone("SELECT name FROM communes WHERE id = ?", (commune_id,))
        return str(row[0]) if row else None

    async def commune_id(self, name: str) -> int | None:
        row = await self.db.fetchone("SELECT id FROM communes WHERE name = ?", (name,))
        return int(row[0]) if row else None

    async def get_school(self, school_id: int) -> School | None:
        row = await self.db.fetchone(
            "SELECT s.id, s.name, c.id, c.name FROM schools s JOIN communes c ON c.id = s.commune_id WHERE s.id = ?",
            (school_id,),
        )
        return School(int(row[0]), str(row[1]), int(row[2]), str(row[3])) if row else None

    async def list_schools(self, school_ids: frozenset[int]) -> list[School]:
        schools = [await self.get_school(sid) for sid in sorted(school_ids)]
        return [s for s in schools if s is not None]

    # -- classes -------------------------------------------------------------------------

    async def ensure_class(self, school_id: int, name: str, level: str, school_year: str) -> SchoolClass:
        """The class with this name and year in the school, created with a fresh code if new."""
        where = "WHERE c.school_id = ? AND c.name = ? AND c.school_year = ?"
        existing = await _classes(self.db, where, (school_id, name, school_year))
        if existing:
            return existing[0]
        async with self.db.write() as conn:
            # Classes are made one at a time, across workers (it is rare): the checks of the name and
            # of the new code below hold until the insert.
            await conn.lock("classes")
            existing = await _classes(conn, where, (school_id, name, school_year))
            if existing:
                return existing[0]
            while True:
                code = new_class_code()
                row = await conn.fetchone("SELECT 1 FROM classes WHERE code = ?", (code,))
                if row is None:
                    break
            class_id = await conn.insert(
                "INSERT INTO classes (school_id, name, level, school_year, code, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (school_id, name, level, school_year, code, time.time()),
            )
        found = await self.get_class(class_id)
        assert found is not None
        return found

    async def get_class(self, class_id: int) -> SchoolClass | None:
        found = await _classes(self.db, "WHERE c.id = ?", (class_id,))
        return found[0] if found else None

    async def get_class_by_code(self, code: str) -> SchoolClass | None:
        """The class a pupil joins with this code (archived classes cannot be joined)."""
        return await class_by_code(self.db, code)

    async def get_archived_class_by_code(self, code: str) -> SchoolClass | None:
        """The archived class that had this code (its old cards and QR codes say so)."""
        found = await _classes(self.db, "WHERE c.code = ? AND c.archived_at IS NOT NULL", (code.strip().upper(),))
        return found[0] if found else None

    async def list_classes(self, school_id: int, *, include_archived: bool = False) -> list[SchoolClass]:
        archived = "" if include_archived else " AND c.archived_at IS NULL"
        return await _classes(
            self.db, f"WHERE c.school_id = ?{archived} ORDER BY c.school_year DESC, c.name", (school_id,)
        )

    async def classes_taught_by(self, user_id: int, *, archived: bool = False) -> list[SchoolClass]:
        """The classes this teacher teaches (or, with ``archived``, taught until they were archived)."""
        state = "IS NOT NULL ORDER BY c.school_year DESC, c.name" if archived else "IS NULL ORDER BY c.name"
        return await _classes(
            self.db,
            f"JOIN class_teachers t ON t.class_id = c.id WHERE t.user_id = ? AND c.archived_at {state}",
            (user_id,),
        )

    async def archive_year(self, school_id: int, school_year: str) -> int:
        """Yearly roll-over: archive the school's classes of that year (their texts are kept)."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE classes SET archived_at = ? WHERE school_id = ? AND school_year = ? AND archived_at IS NULL",
                (time.time(), school_id, school_year),
            )
            return changed

    # -- members -------------------------------------------------------------------------

    async def add_teacher(self, class_id: int, user_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO class_teachers (class_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (class_id, user_id),
            )

    async def add_pupil(self, class_id: int, user_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO class_pupils (class_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (class_id, user_id)
            )

    async def carry_pupils(self, class_id: int, user_ids: list[int]) -> int:
        """The school year: these pupils (of a past year's class) join this class, with their
        account, login and pictures. A pupil already in a class of this year stays where they
        are. Their past classes keep them (read only: archived). Returns how many joined."""
        joined = 0
        async with self.db.write() as conn:
            # One class this year per pupil, across workers: each pupil's lock (in one order) is
            # held from the check to the insert.
            for user_id in sorted(set(user_ids)):
                await conn.lock(f"pupil:{user_id}")
            for user_id in user_ids:
                changed = await conn.execute(
                    "INSERT INTO class_pupils (class_id, user_id) SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM class_pupils p JOIN classes c ON c.id = p.class_id "
                    "WHERE p.user_id = ? AND c.archived_at IS NULL) ON CONFLICT DO NOTHING",
                    (class_id, user_id, user_id),
                )
                joined += changed
        return joined

    async def current_classes_of(self, user_ids: list[int]) -> dict[int, SchoolClass]:
        """Pupil id → their class this year (not archived), for those who have one."""
        found: dict[int, SchoolClass] = {}
        for user_id in user_ids:
            classes = await _classes(
                self.db,
                "JOIN class_pupils p ON p.class_id = c.id WHERE p.user_id = ? AND c.archived_at IS NULL",
                (user_id,),
            )
            if classes:
                found[user_id] = classes[0]
        return found

    async def remove_pupil(self, class_id: int, user_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM class_pupils WHERE class_id = ? AND user_id = ?", (class_id, user_id))

    async def list_pupils(self, class_id: int) -> list[User]:
        rows = await self.db.fetchall(
            "SELECT u.id, u.login, u.display_name, u.role FROM users u JOIN class_pupils p ON p.user_id = u.id "
            "WHERE p.class_id = ?",
            (class_id,),
        )
        return sorted((_user(r) for r in rows), key=lambda u: (sort_key(u.display_name), u.id))

    async def list_teachers(self, class_id: int) -> list[User]:
        rows = await self.db.fetchall(
            "SELECT u.id, u.login, u.display_name, u.role FROM users u JOIN class_teachers t ON t.user_id = u.id "
            "WHERE t.class_id = ? ORDER BY u.display_name",
            (class_id,),
        )
        return [_user(r) for r in rows]

    async def link_parent(self, parent_id: int, pupil_id: int) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO parent_links (parent_id, pupil_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (parent_id, pupil_id),
            )

    async def add_admin_scope(
        self, user_id: int, *, school_id: int | None = None, commune_id: int | None = None
    ) -> None:
        async with self.db.write() as conn:
            # One change of this account's scopes at a time, across workers: a scope is never twice.
            await conn.lock(f"admin-scopes:{user_id}")
            rows = await conn.fetchall("SELECT school_id, commune_id FROM admin_scopes WHERE user_id = ?", (user_id,))
            if (school_id, commune_id) not in {(r[0], r[1]) for r in rows}:
                await conn.execute(
                    "INSERT INTO admin_scopes (user_id, school_id, commune_id) VALUES (?, ?, ?)",
                    (user_id, school_id, commune_id),
                )

    async def parent_links(self, class_id: int) -> list[tuple[User, User]]:
        """(parent, child) for the pupils of this class."""
        rows = await self.db.fetchall(
            "SELECT pa.id, pa.login, pa.display_name, pa.role, pu.id, pu.login, pu.display_name, pu.role "
            "FROM parent_links l JOIN users pa ON pa.id = l.parent_id JOIN users pu ON pu.id = l.pupil_id "
            "JOIN class_pupils cp ON cp.user_id = pu.id WHERE cp.class_id = ? "
            "ORDER BY pu.display_name, pa.display_name",
            (class_id,),
        )
        return [(_user(r[0:4]), _user(r[4:8])) for r in rows]

    async def classes_of_pupil(self, user_id: int) -> list[SchoolClass]:
        """Every class the pupil has been in, this year's and archived ones."""
        return await _classes(
            self.db,
            "JOIN class_pupils p ON p.class_id = c.id WHERE p.user_id = ? ORDER BY c.school_year DESC",
            (user_id,),
        )

    async def parents_of(self, pupil_id: int) -> list[User]:
        rows = await self.db.fetchall(
            "SELECT u.id, u.login, u.display_name, u.role FROM users u JOIN parent_links l ON l.parent_id = u.id "
            "WHERE l.pupil_id = ? ORDER BY u.display_name",
            (pupil_id,),
        )
        return [_user(r) for r in rows]

    async def find_pupils(self, school_ids: frozenset[int], query: str) -> list[tuple[User, SchoolClass]]:
        """Pupils of these schools whose name or login contains ``query`` (for the admin)."""
        if not school_ids:
            return []
        marks = ",".join("?" for _ in school_ids)
        # Case-insensitive for ASCII letters, as SQLite's LIKE, on both engines; the query is text to
        # find, not a pattern.
        pattern = "%" + _like_escaped(_ascii_lower(query.strip())) + "%"
        rows = await self.db.fetchall(
            f"SELECT u.id, u.login, u.display_name, u.role, {_CLASS_COLUMNS} FROM users u "
            "JOIN class_pupils p ON p.user_id = u.id JOIN classes c ON c.id = p.class_id "
            f"WHERE c.school_id IN ({marks}) "
            "AND (lower(u.display_name) LIKE ? ESCAPE '!' OR lower(u.login) LIKE ? ESCAPE '!') "
            "ORDER BY u.display_name, u.id, c.id LIMIT 50",
            (*sorted(school_ids), pattern, pattern),
        )
        return [(_user(r[0:4]), _school_class(r[4:])) for r in rows]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """As SQL's lower() on both engines (SQLite's, PostgreSQL's on "C" text): ASCII letters only."""
    return text.translate(_ASCII_LOWER)


def _like_escaped(text: str) -> str:
    """``text`` found as it is by ``LIKE … ESCAPE '!'``."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
