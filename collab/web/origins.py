"""Which pages may open our sockets: those of this site only (cross-site WebSocket hijacking).

A browser always sends ``Origin`` with a WebSocket upgrade; a page of another site gets its
socket refused (4403) before anything else, even though the browser would send our session
cookie along. Clients that send no ``Origin`` (command-line tools with a bearer token) are not
browsers and go on to the ordinary authentication.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from collab.errors import ForeignOrigin
from collab.settings import Settings

log = logging.getLogger(__name__)


def _origin_of(url: str) -> str:
    """``scheme://host[:port]`` in lower case ("" if ``url`` is not a web address)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


@functools.cache
def allowed_origins(settings: Settings) -> frozenset[str]:
    """The configured site (COLLAB_PUBLIC_URL) and any other allowed origins (parsed once per settings)."""
    configured = [settings.public_url, *settings.allowed_origins]
    return frozenset(origin for origin in map(_origin_of, configured) if origin)


def origin_allowed(scope: Scope, settings: Settings) -> bool:
    """No ``Origin`` (not a browser), this same host, or a configured origin."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None:
        return True
    wanted = _origin_of(origin)
    if not wanted:
        return False  # "null" (a sandboxed frame, a file://) or garbage
    host = headers.get("host", "").lower()
    if host and wanted in (f"http://{host}", f"https://{host}"):
        return True
    return wanted in allowed_origins(settings)


async def refuse_socket(receive: Receive, send: Send) -> None:
    """Accept, then close with 4403: the page's script sees a permanent refusal."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    log.warning("refused a WebSocket from a page of another site")
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": ForeignOrigin.close_code, "reason": "foreign origin"})
