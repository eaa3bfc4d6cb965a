"""Who is asking: bearer tokens (``?token=`` or ``Authorization: Bearer``).

Browsers will authenticate with the session cookie once sign-in exists; the seam is
:func:`authenticate`, used by the HTTP views and the WebSocket endpoint alike.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from collab.errors import NotSignedIn
from collab.models import User
from collab.store import Store

_MAX_TOKEN_LENGTH = 256


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = conn.query_params.get("token")
    return token or None


async def authenticate(store: Store, conn: HTTPConnection) -> User:
    """The signed-in user, or NotSignedIn (401 / 4401)."""
    token = bearer_token(conn)
    if token is None:
        raise NotSignedIn("no credentials")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise NotSignedIn("malformed token")
    user = await store.accounts.user_for_token(token)
    if user is None:
        raise NotSignedIn("unknown or revoked token")
    return user
