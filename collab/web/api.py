"""JSON API for outside clients."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from collab.web.auth import authenticate
from collab.web.pages import hub_of, store_of


async def list_documents(request: Request) -> JSONResponse:
    """``GET /api/docs``: the documents the caller may open, with ``write`` or ``read``."""
    user = await authenticate(store_of(request), request)
    documents = await hub_of(request).documents_for(user)
    return JSONResponse([{"id": doc.id, "title": doc.title, "access": access.value} for doc, access in documents])
