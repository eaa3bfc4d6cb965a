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
    principal = await hub.store.accounts.load_principal(user)
    out = []
    for target in await hub.store.documents.list_targets_for_user(user.id):
        try:
            access = document_access(principal, target, target.document.id)
        except CollabError:
            continue  # e.g. a writer's document that is locked: it cannot be opened now
        out.append({"id": target.document.id, "title": target.document.title, "access": access.value})
    return JSONResponse(out)
