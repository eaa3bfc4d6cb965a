"""Rendering HTML pages: the session and the right CSRF token go into every template."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse

from collab.errors import NotFound
from collab.models import Role, Session
from collab.realtime.hub import Hub
from collab.store import Store
from collab.web.auth import SIGN_IN_CSRF_COOKIE, set_cookie, sign_in_csrf_token


def hub_of(conn: HTTPConnection) -> Hub:
    """The real-time hub: the rooms, their peers and what changes them live."""
    hub: Hub = conn.app.state.hub
    return hub


def store_of(conn: HTTPConnection) -> Store:
    """The store, the one way views reach the database (or through :mod:`collab.web.access`)."""
    store: Store = conn.app.state.store
    return store


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    session: Session | None = None,
    status: int = 200,
) -> HTMLResponse:
    csrf = session.csrf_token if session is not None else sign_in_csrf_token(request)
    values = {"session": session, "csrf_token": csrf, **(context or {})}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(request, template, values, status_code=status)
    if session is None:
        set_cookie(response, request.app.state.settings, SIGN_IN_CSRF_COOKIE, csrf, 3600 * 12)
    return response


#: The header that lets the service worker (static/js/sw.js) keep a page for when the network is gone:
#: only a pupil's own pages (her room, her home), never an adult's.
OFFLINE_HEADER = "Binome-Offline"


def kept_offline(response: HTMLResponse, session: Session) -> HTMLResponse:
    """``response``, which the tablet may keep and show offline when ``session`` is a pupil's."""
    if session.user.role is Role.PUPIL:
        response.headers[OFFLINE_HEADER] = "keep"
    return response


def form_text(form: FormData, name: str, limit: int = 200) -> str:
    """A text field, trimmed and cut to ``limit`` characters ("" when absent or a file)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


#: Ids are SQLite integers (< 2**63, 19 digits): longer ones cannot exist.
MAX_ID_DIGITS = 18


def path_id(request: HTTPConnection, name: str) -> int:
    """A numeric id from the URL; anything else (not a number, or beyond SQLite's integers) is a
    404: forged ids get no hint."""
    raw = str(request.path_params[name])
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        raise NotFound(f"no such {name}")
    return int(raw)
