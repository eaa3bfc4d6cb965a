"""Security headers on every HTTP response (pages, errors, files, static assets).

Scripts only from our own files (no inline script, no eval), never framed, no plugins; the
sockets go to this same host. Styles allow ``style=`` attributes (a few templates set a colour
or a size inline); scripts cannot be injected through them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: A Host header we may repeat in the policy (a name or an address, and a port).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; connect-src 'self'"
)


def content_security_policy(host: str | None, public_host: str = "") -> str:
    """The policy; the sockets' ws:// and wss:// of ``host`` (the request's own host) and of the
    configured public address's host (behind a reverse proxy that rewrites Host) allowed."""
    hosts = [h for h in dict.fromkeys((host or "", public_host)) if h and _HOST.match(h)]
    return " ".join([_POLICY, *(f"ws://{h} wss://{h}" for h in hosts)])


_FIXED = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """The ASGI layer adding the headers to every response start."""

    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.public_host = urlsplit(public_url).netloc.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = content_security_policy(Headers(scope=scope).get("host"), self.public_host).encode("latin-1")
        added = [(b"content-security-policy", policy), *_FIXED]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in added if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
