"""JSON API for outside clients."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from collab.realtime.hub import Hub
from collab.web.auth import authenticate


async def list_documents(request: Request) -> JSONResponse:
    """``GET /api/docs``: the documents the caller may open, with ``write`` or ``read``."""
    hub: Hub = request.app.state.hub
    user = await authenticate(hub.store, request)
    documents = await hub.documents_for(user)
    return JSONResponse([{"id": doc.id, "title": doc.title, "access": access.value} for doc, access in documents])
