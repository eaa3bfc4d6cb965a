"""Who is asking: the session cookie (browsers) or a bearer token (other clients).

:func:`authenticate` is used by the HTTP views and the WebSocket endpoint alike. Forms
are protected by a CSRF token: the session's own once signed in, and before sign-in a
random token held in a cookie and repeated in the form (double submit).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.responses import Response

from collab.errors import CsrfRejected, NotSignedIn
from collab.models import Session, User
from collab.settings import Settings
from collab.store import Store
from collab.store.accounts import token_credential
from collab.store.sessions import SESSION_IDLE_SECONDS

SESSION_COOKIE = "binome_session"
SIGN_IN_CSRF_COOKIE = "binome_csrf"
CSRF_FIELD = "csrf"
_MAX_TOKEN_LENGTH = 256


def authorization_bearer(conn: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    scheme, _, value = conn.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def bearer_token(conn: HTTPConnection) -> str | None:
    """The header's token, else ``?token=`` (for y-websocket clients, which cannot set headers)."""
    return authorization_bearer(conn) or conn.query_params.get("token") or None


async def current_session(store: Store, conn: HTTPConnection) -> Session | None:
    token = conn.cookies.get(SESSION_COOKIE)
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return await store.sessions.lookup(token)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is asking, and with which credential: ``session:…`` or ``token:…`` (a hash, never
    the secret). Open connections remember it, so that revoking it closes them."""

    user: User
    credential: str


async def identify(store: Store, conn: HTTPConnection) -> Identity:
    """The signed-in user and their credential, or NotSignedIn (401 / 4401)."""
    session = await current_session(store, conn)
    if session is not None:
        return Identity(session.user, session.credential)
    token = bearer_token(conn)
    if token is None:
        raise NotSignedIn("no credentials")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise NotSignedIn("malformed token")
    user = await store.accounts.user_for_token(token)
    if user is None:
        raise NotSignedIn("unknown, expired or revoked token")
    return Identity(user, token_credential(token))


async def authenticate(store: Store, conn: HTTPConnection) -> User:
    """The signed-in user, or NotSignedIn (401 / 4401)."""
    return (await identify(store, conn)).user


async def require_session(store: Store, conn: HTTPConnection) -> Session:
    session = await current_session(store, conn)
    if session is None:
        raise NotSignedIn("no session")
    return session


def sign_in_csrf_token(conn: HTTPConnection) -> str:
    """The pre-sign-in CSRF token of this browser (a new one if it has none)."""
    existing = conn.cookies.get(SIGN_IN_CSRF_COOKIE)
    return existing if existing and len(existing) <= _MAX_TOKEN_LENGTH else secrets.token_urlsafe(32)


def check_csrf(submitted: object, expected: str | None) -> None:
    if not isinstance(submitted, str) or not expected or not secrets.compare_digest(submitted, expected):
        raise CsrfRejected("missing or wrong CSRF token")


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    set_cookie(response, settings, SESSION_COOKIE, token, SESSION_IDLE_SECONDS)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
