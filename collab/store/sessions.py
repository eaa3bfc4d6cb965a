"""Server-side sign-in sessions (revocable), each with its CSRF token."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable

from collab.models import Role, Session, User
from collab.store.database import Database, valid_credentials

#: Sessions not seen for this long are no longer valid (a school term holiday).
SESSION_IDLE_SECONDS = 14 * 24 * 3600
#: last_seen_at is written at most this often (not on every request).
_TOUCH_EVERY = 300.0


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class SessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, user_id: int) -> tuple[str, str]:
        """A new session for this account: (session token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (_hash(token), user_id, csrf, now, now),
            )
        return token, csrf

    async def lookup(self, token: str) -> Session | None:
        now = time.time()
        row = await self.db.fetchone(
            "SELECT u.id, u.login, u.display_name, u.role, s.csrf_token, s.last_seen_at FROM sessions s "
            "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL",
            (_hash(token),),
        )
        if row is None or now - float(row[5]) > SESSION_IDLE_SECONDS:
            return None
        if now - float(row[5]) > _TOUCH_EVERY:
            async with self.db.write() as conn:
                await conn.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", (now, _hash(token)))
        user = User(id=int(row[0]), login=str(row[1]), display_name=str(row[2]), role=Role(row[3]))
        return Session(token=token, user=user, csrf_token=str(row[4]))

    async def still_valid(self, credentials: Iterable[str]) -> set[str]:
        """Which of these credentials (``session:…``; others are ignored) are sessions still valid."""
        return await valid_credentials(
            self.db,
            "session:",
            credentials,
            "SELECT token_hash FROM sessions WHERE revoked_at IS NULL AND last_seen_at > ? AND token_hash IN",
            time.time() - SESSION_IDLE_SECONDS,
        )

    async def revoke(self, token: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("UPDATE sessions SET revoked_at = ? WHERE token_hash = ?", (time.time(), _hash(token)))

    async def revoke_all(self, user_id: int) -> int:
        """Sign this account out everywhere."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", (time.time(), user_id)
            )
            return changed

    async def revoke_others(self, user_id: int, keep_token: str) -> int:
        """Sign this account out of every session but this one (after a password change)."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash <> ?",
                (time.time(), user_id, _hash(keep_token)),
            )
            return changed
