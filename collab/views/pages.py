"""Rendering HTML pages: the session and the right CSRF token go into every template."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from collab.auth import SIGN_IN_CSRF_COOKIE, set_cookie, sign_in_csrf_token
from collab.hub import Hub
from collab.store import Session


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


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
