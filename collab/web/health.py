"""Liveness, metrics and the favicon asked for at the root.

``/metrics`` tells how busy the school is and which limits refuse what: it is served to the
configured monitoring networks (loopback only by default) or to a bearer token, and is a 404
for everyone else.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from collab.errors import NotFound
from collab.realtime.metrics import Metrics
from collab.settings import Settings
from collab.web.auth import authorization_bearer
from collab.web.pages import hub_of


async def healthz(request: Request) -> JSONResponse:
    hub = hub_of(request)
    body: dict[str, object] = {"status": "ok", "rooms": len(hub.rooms), "connections": hub.connection_count()}
    if hub.cluster is not None:  # several workers: is this one's link to the others up? (it serves either way)
        body["redis"] = "ok" if hub.cluster.healthy else "down"
    settings: Settings = request.app.state.settings
    if may_scrape(request, settings):
        # Which worker process answered (behind a load balancer, several do): for the monitoring
        # network only, since it names the machine.
        body["worker"] = settings.worker_id
    return JSONResponse(body)


def may_scrape(request: Request, settings: Settings) -> bool:
    """A monitoring client: the metrics token, or an address in the metrics networks."""
    token = authorization_bearer(request)
    if settings.metrics_token and token is not None:
        return secrets.compare_digest(token.encode(), settings.metrics_token.encode())
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.metrics_networks)


async def metrics(request: Request) -> Response:
    if not may_scrape(request, request.app.state.settings):
        raise NotFound("metrics are for the monitoring network")
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)


#: Next to the other static files (the pages link to favicon.svg).
_FAVICON = Path(__file__).resolve().parents[2] / "static" / "favicon.ico"


async def favicon(request: Request) -> Response:
    """``/favicon.ico``, which browsers and bookmarks ask for whatever the pages link to."""
    return FileResponse(_FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
