"""JSON API for outside clients."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from collab.auth import authenticate
from collab.errors import CollabError
from collab.hub import Hub
from collab.policy import document_access


async def list_documents(request: Request) -> JSONResponse:
    """``GET /api/docs``: the documents the caller may open, with ``write`` or ``read``."""
    hub: Hub = request.app.state.hub
    user = await authenticate(hub.store, request)
    grants = await hub.store.documents.list_grants_for_user(user.id)
    out = []
    for grant in grants:
        try:
            access = document_access(user, grant, grant.document.id)
        except CollabError:
            continue  # e.g. a writer's document that is locked: it cannot be opened now
        out.append({"id": grant.document.id, "title": grant.document.title, "access": access.value})
    return JSONResponse(out)
