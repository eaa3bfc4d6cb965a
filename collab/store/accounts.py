"""Accounts and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from collab.models import Role, User
from collab.store.database import Database


def _hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _user(row: Any) -> User:
    return User(id=int(row[0]), login=str(row[1]), display_name=str(row[2]), role=Role(row[3]))


_USER_COLUMNS = "id, login, display_name, role"


@dataclass(frozen=True, slots=True)
class UserListing:
    """One line of ``collab users``."""

    user: User
    class_name: str | None
    pair: str | None


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
                "INSERT OR IGNORE INTO users (login, display_name, role, created_at) VALUES (?, ?, ?, ?)",
                (login, display_name, role.value, time.time()),
            )
        user = await self.get_user_by_login(login)
        assert user is not None
        return user

    async def get_user_by_login(self, login: str) -> User | None:
        async with self.db.conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE login = ?", (login,)) as cur:
            row = await cur.fetchone()
        return _user(row) if row else None

    async def list_users(self) -> list[UserListing]:
        async with self.db.conn.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY login") as cur:
            rows = await cur.fetchall()
        return [UserListing(user=_user(r), class_name=None, pair=None) for r in rows]

    async def create_token(self, user_id: int, label: str = "") -> str:
        """A new bearer token for this account; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)",
                (_hash_token(token), user_id, label, time.time()),
            )
        return token

    async def user_for_token(self, token: str) -> User | None:
        async with self.db.conn.execute(
            f"SELECT {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))} "
            "FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked_at IS NULL",
            (_hash_token(token),),
        ) as cur:
            row = await cur.fetchone()
        return _user(row) if row else None

    async def revoke_tokens(self, user_id: int) -> int:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (time.time(), user_id),
            )
            return cur.rowcount

    async def revoke_tokens_with_label(self, label: str) -> int:
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL",
                (time.time(), label),
            )
            return cur.rowcount
