"""Request bodies: who is asking is known before a body is read, and every body is capped while
it streams.

One ASGI layer in front of the web app wraps ``receive``. The cap is chosen from the route the
request will reach (by route name, so that it follows the routes wherever they live): a few
routes take large bodies (a médiathèque file, a CSV class list, HTTP-fallback frames, an
agreement), every other route (every form, including forms added later) gets the small
:data:`FORM_BYTES`. On the first read, before a byte of the body is taken from the socket:

- a route that is not public (every route but the sign-in forms) must know who is asking (a
  session cookie or a bearer token), else 401;
- a ``Content-Length`` above the cap is refused (413).

While the body streams, the bytes are counted and the read that passes the cap raises 413: an
endless chunked body costs the server at most the cap. The errors are raised from ``receive``,
inside the view, so the app's error handlers answer them (French page, or JSON for the API).
A response sent before its request body was read to the end closes the connection, so that
the rest of a refused body is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Message, Receive, Scope, Send

from collab.errors import BodyTooLarge, CollabError
from collab.settings import MAX_IMPORT_BYTES, Settings
from collab.web.auth import authenticate

#: Any form (sign-in, roster, task, comment…): far more than a form of text fields needs.
FORM_BYTES = 64 * 1024
#: Room for the other fields and the multipart boundaries around an uploaded file.
MULTIPART_OVERHEAD = 64 * 1024
#: Frames of the largest allowed size one HTTP-fallback request may carry.
SYNC_FRAMES_PER_REQUEST = 4
#: Routes that take a body from someone not signed in yet.
PUBLIC_BODY_ROUTES = frozenset({"sign_in", "pictures_sign_in"})


def route_caps(settings: Settings) -> dict[str, int]:
    """The routes whose bodies may be larger than a form, by route name."""
    frame = settings.max_frame_bytes
    return {
        "upload_media": settings.max_media_bytes + MULTIPART_OVERHEAD,
        "admin_import_class": MAX_IMPORT_BYTES + MULTIPART_OVERHEAD,
        # Each frame is prefixed with its length (a varint of at most 5 bytes).
        "http_sync_send": (frame + 5) * SYNC_FRAMES_PER_REQUEST,
        # A state vector (JSON, base64) is never larger than a frame.
        "agree": frame,
    }


def _declared_length(headers: Headers) -> int | None:
    raw = headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


class _Body:
    """One request's body: checked before its first byte, counted while it streams."""

    def __init__(self, scope: Scope, receive: Receive, cap: int, public: bool, state: Any) -> None:
        self._scope = scope
        self._receive = receive
        self._cap = cap
        self._public = public
        self._state = state
        self._declared = _declared_length(Headers(scope=scope))
        #: The request carries a body that has not been read to its end yet.
        self.pending = self.expected(scope)
        self._checked = False
        self._refusal: CollabError | None = None
        self._received = 0

    @staticmethod
    def expected(scope: Scope) -> bool:
        """The request announces a body (a length above 0, or chunks)."""
        headers = Headers(scope=scope)
        return "chunked" in headers.get("transfer-encoding", "").lower() or (_declared_length(headers) or 0) > 0

    async def receive(self) -> Message:
        if not self.pending:
            return await self._receive()  # no body (or read to its end): disconnects only
        if not self._checked:
            self._checked = True
            try:
                await self._check_first()
            except CollabError as exc:
                self._refusal = exc
        if self._refusal is not None:
            raise self._refusal
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._cap:
                self._refusal = BodyTooLarge(self._cap)
                raise self._refusal
            if not message.get("more_body", False):
                self.pending = False
        return message

    async def _check_first(self) -> None:
        if not self._public:
            await authenticate(self._state.store, HTTPConnection(self._scope))
        if self._declared is not None and self._declared > self._cap:
            raise BodyTooLarge(self._cap)

    def sender(self, send: Send) -> Send:
        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and self.pending:
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        return send_closing


class BodyLimit:
    """The ASGI layer: per-route caps (``caps`` by route name, ``default`` for the rest)."""

    def __init__(self, app: Starlette, caps: Mapping[str, int], default: int = FORM_BYTES) -> None:
        self.app = app
        self.caps = dict(caps)
        self.default = default

    def _route_name(self, scope: Scope) -> str | None:
        routes: list[BaseRoute] = self.app.router.routes
        for route in routes:
            if isinstance(route, Route):
                match, _ = route.matches(scope)
                if match is Match.FULL:
                    return route.name
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _Body.expected(scope):
            await self.app(scope, receive, send)  # no body: nothing to cap (most requests)
            return
        name = self._route_name(scope)
        cap = self.caps.get(name, self.default) if name is not None else self.default
        body = _Body(scope, receive, cap, name in PUBLIC_BODY_ROUTES, self.app.state)
        await self.app(scope, body.receive, body.sender(send))
