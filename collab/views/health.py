"""Liveness, metrics and the front page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collab.hub import Hub
from collab.metrics import Metrics


async def healthz(request: Request) -> JSONResponse:
    hub: Hub = request.app.state.hub
    return JSONResponse({"status": "ok", "rooms": len(hub.rooms), "connections": hub.connection_count()})


async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)
