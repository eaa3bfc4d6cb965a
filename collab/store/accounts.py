"""Accounts and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from typing import Any

from collab.models import Credentials, Principal, Role, User, UserListing
from collab.store.database import Database, valid_credentials

#: How long a bearer token lives unless said otherwise (``collab token LOGIN --days N``).
TOKEN_LIFETIME = 30 * 24 * 3600.0


def _hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_credential(token: str) -> str:
    """How open connections name the bearer token they were opened with (never the token itself)."""
    return "token:" + _hash_token(token).hex()


def _user(row: Any) -> User:
    return User(id=int(row[0]), login=str(row[1]), display_name=str(row[2]), role=Role(row[3]))


_USER_COLUMNS = "id, login, display_name, role"


class AccountStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure_user(self, login: str, display_name: str, role: Role) -> User:
        """The account with this login, created if it does not exist yet."""
        existing = await self.get_user_by_login(login)
        if existing is not None:
            return existing
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO users (login, display_name, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (login, display_name, role.value, time.time()),
            )
        user = await self.get_user_by_login(login)
        assert user is not None
        return user

    async def create_user_with_unique_login(self, base_login: str, display_name: str, role: Role) -> User:
        """A new account whose login is ``base_login``, or ``base_login-2``, ``-3``… if taken."""
        suffix = 1
        while True:
            login = base_login if suffix == 1 else f"{base_login}-{suffix}"
            if await self.get_user_by_login(login) is not None:  # taken: no insert (it would use up an id)
                suffix += 1
                continue
            async with self.db.write() as conn:
                changed = await conn.execute(
                    "INSERT INTO users (login, display_name, role, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (login, display_name, role.value, time.time()),
                )
                created = changed == 1
            if created:
                user = await self.get_user_by_login(login)
                assert user is not None
                return user
            suffix += 1

    async def get_user(self, user_id: int) -> User | None:
        row = await self.db.fetchone(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def rename(self, user_id: int, display_name: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE users SET display_name = ? WHERE id = ?", (display_name, user_id))

    async def get_user_by_login(self, login: str) -> User | None:
        row = await self.db.fetchone(f"SELECT {_USER_COLUMNS} FROM users WHERE login = ?", (login,))
        return _user(row) if row else None

    async def list_users(self) -> list[UserListing]:
        """Every account with its current class (a pupil's, or those a teacher teaches) and pair."""
        rows = await self.db.fetchall(
            "SELECT u.id, u.login, u.display_name, u.role, "
            "(SELECT p.number FROM pairs p JOIN pair_members m ON m.pair_id = p.id "
            "  WHERE m.user_id = u.id AND p.dissolved_at IS NULL ORDER BY p.id DESC LIMIT 1) "
            "FROM users u ORDER BY u.login"
        )
        # The class names are joined here, in the classes' order (no group_concat on PostgreSQL).
        classes: dict[int, list[str]] = {}
        for user_id, name in await self.db.fetchall(
            "SELECT m.user_id, c.name FROM classes c JOIN "
            "(SELECT class_id, user_id FROM class_pupils UNION SELECT class_id, user_id FROM class_teachers) m "
            "ON m.class_id = c.id WHERE c.archived_at IS NULL ORDER BY m.user_id, c.id"
        ):
            classes.setdefault(int(user_id), []).append(str(name))
        return [
            UserListing(
                user=_user(r),
                class_name=", ".join(classes[int(r[0])]) if int(r[0]) in classes else None,
                pair=f"binôme {r[4]}" if r[4] is not None else None,
            )
            for r in rows
        ]

    async def create_token(self, user_id: int, label: str = "", lifetime: float = TOKEN_LIFETIME) -> str:
        """A new bearer token for this account, valid ``lifetime`` seconds; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO api_tokens (token_hash, user_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (_hash_token(token), user_id, label, now, now + lifetime),
            )
        return token

    async def user_for_token(self, token: str) -> User | None:
        """The account of a bearer token that is neither revoked nor expired."""
        row = await self.db.fetchone(
            f"SELECT {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))} "
            "FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?",
            (_hash_token(token), time.time()),
        )
        return _user(row) if row else None

    async def still_valid(self, credentials: Iterable[str]) -> set[str]:
        """Which of these credentials (``token:…``; others are ignored) are tokens still valid."""
        return await valid_credentials(
            self.db,
            "token:",
            credentials,
            "SELECT token_hash FROM api_tokens WHERE revoked_at IS NULL AND expires_at > ? AND token_hash IN",
            time.time(),
        )

    async def revoke_tokens(self, user_id: int) -> int:
        """Revoke every bearer token of this account; how many were still valid."""
        now = time.time()
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?",
                (now, user_id, now),
            )
            return changed

    async def revoke_tokens_with_label(self, label: str) -> int:
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL",
                (time.time(), label),
            )
            return changed

    # -- credentials -----------------------------------------------------------------------

    async def get_credentials(self, user_id: int) -> Credentials:
        """The account's secrets, the failures of its budget for unknown devices and the end of the
        latest lock of any of its budgets (see collab/store/throttles.py): the teacher's roster
        shows it, and « Débloquer » clears them all."""
        row = await self.db.fetchone(
            "SELECT c.password_hash, c.pictures, "
            "(SELECT attempts FROM sign_in_throttles WHERE user_id = c.user_id AND device = ''), "
            "(SELECT max(locked_until) FROM sign_in_throttles WHERE user_id = c.user_id) "
            "FROM credentials c WHERE c.user_id = ?",
            (user_id,),
        )
        if row is None:
            return Credentials(password_hash=None, pictures=None, failed_attempts=0, locked_until=None)
        pictures = tuple(int(p) for p in str(row[1]).split(",")) if row[1] else None
        locked_until = row[3] if row[3] is not None and row[3] > time.time() else None
        return Credentials(
            password_hash=row[0], pictures=pictures, failed_attempts=int(row[2] or 0), locked_until=locked_until
        )

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO credentials (user_id, password_hash) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash",
                (user_id, password_hash),
            )

    async def set_pictures(self, user_id: int, pictures: tuple[int, ...]) -> None:
        """A pupil's picture password (kept readable: the teacher prints it on the sign-in sheet);
        also unlocks the account."""
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO credentials (user_id, pictures) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET pictures = excluded.pictures",
                (user_id, ",".join(str(p) for p in pictures)),
            )
            await conn.execute("DELETE FROM sign_in_throttles WHERE user_id = ?", (user_id,))

    async def clear_failed_sign_ins(self, user_id: int) -> None:
        """When the teacher unlocks the account: every budget (known devices too) starts afresh."""
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM sign_in_throttles WHERE user_id = ?", (user_id,))

    # -- what the access rules need ------------------------------------------------------

    async def load_principal(self, user: User) -> Principal:
        async def ids(sql: str) -> frozenset[int]:
            rows = await self.db.fetchall(sql, {"u": user.id})
            return frozenset(int(r[0]) for r in rows)

        return Principal(
            user=user,
            taught_class_ids=await ids(
                "SELECT t.class_id FROM class_teachers t JOIN classes c ON c.id = t.class_id "
                "WHERE t.user_id = :u AND c.archived_at IS NULL"
            ),
            pupil_class_ids=await ids(
                "SELECT p.class_id FROM class_pupils p JOIN classes c ON c.id = p.class_id "
                "WHERE p.user_id = :u AND c.archived_at IS NULL"
            ),
            # A pair's texts are its pupils' while they are in its class and the class is not
            # archived: a pupil taken out of the class, or of an archived class, writes no more.
            pair_ids=await ids(
                "SELECT m.pair_id FROM pair_members m JOIN pairs p ON p.id = m.pair_id "
                "JOIN class_pupils cp ON cp.class_id = p.class_id AND cp.user_id = m.user_id "
                "JOIN classes c ON c.id = p.class_id WHERE m.user_id = :u AND c.archived_at IS NULL"
            ),
            # The blogs of the children's classes, this year's and past years' (archived: read only).
            children_class_ids=await ids(
                "SELECT p.class_id FROM parent_links l JOIN class_pupils p ON p.user_id = l.pupil_id "
                "WHERE l.parent_id = :u"
            ),
            teacher_school_ids=await ids(
                "SELECT c.school_id FROM class_teachers t JOIN classes c ON c.id = t.class_id "
                "WHERE t.user_id = :u AND c.archived_at IS NULL"
            ),
            member_school_ids=await ids(
                "SELECT c.school_id FROM classes c WHERE c.archived_at IS NULL AND c.id IN "
                "(SELECT class_id FROM class_teachers WHERE user_id = :u "
                "UNION SELECT class_id FROM class_pupils WHERE user_id = :u)"
            ),
            archived_taught_class_ids=await ids(
                "SELECT t.class_id FROM class_teachers t JOIN classes c ON c.id = t.class_id "
                "WHERE t.user_id = :u AND c.archived_at IS NOT NULL"
            ),
            admin_commune_ids=await ids(
                "SELECT commune_id FROM admin_scopes WHERE user_id = :u AND commune_id IS NOT NULL"
            ),
            admin_school_ids=await ids(
                "SELECT school_id FROM admin_scopes WHERE user_id = :u AND school_id IS NOT NULL "
                "UNION SELECT s.id FROM admin_scopes a JOIN schools s ON s.commune_id = a.commune_id "
                "WHERE a.user_id = :u"
            ),
        )
