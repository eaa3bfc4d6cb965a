"""The pair's task page: the instructions of their group and, for a dictation, the player
with one button per phrase. The reference text of a dictation never reaches this page."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collab.auth import require_session
from collab.errors import Locked
from collab.media_types import MediaKind
from collab.models import Access, DocStatus
from collab.policy import Action, document_access, require
from collab.segments import segments_of
from collab.views.pages import hub_of, render

_CLOSED = {
    DocStatus.LOCKED: "Ton enseignant a mis ce texte en pause : tu peux le relire, pas l'écrire.",
    DocStatus.PUBLISHED: "Ce texte est publié : il ne change plus.",
}
_NOT_OPEN = "Ce texte n'est pas ouvert en ce moment : demande à ton enseignant l'heure prévue."


async def writing_room(request: Request) -> Response:
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    doc_id = request.path_params["doc_id"]
    target = await hub.store.documents.get_target(session.user.id, doc_id)
    principal = await hub.store.accounts.load_principal(session.user)
    closed = ""
    try:
        access = document_access(principal, target, doc_id, time.time())
    except Locked:  # a writer of a closed document still reads it and listens
        access = Access.READ
        closed = _CLOSED.get(target.document.status if target else DocStatus.LOCKED, _NOT_OPEN)
    assert target is not None  # document_access raised NotFound otherwise
    require(principal, Action.READ_DOCUMENT, target)
    assignment = await hub.store.tasks.assignment(doc_id)
    media = segments = None
    if assignment is not None and assignment[1].media_id is not None:
        media = await hub.store.media.get(assignment[1].media_id)
        if media is not None and media.kind is MediaKind.AUDIO and media.duration:
            segments = segments_of(media.cuts, media.duration)
    pair = await hub.store.pairs.get_pair(target.pair_id) if target.pair_id is not None else None
    members = pair.members if pair is not None else ()
    partners = [m for m in members if m.id != session.user.id]
    return render(
        request,
        "pupil/room.html",
        {
            "document": target.document,
            "task": assignment[0] if assignment else None,
            "group": assignment[1] if assignment else None,
            "media": media,
            "segments": segments,
            "partners": partners,
            "access": access.value,
            "closed": closed,
        },
        session=session,
    )


def pupil_routes() -> list[Route]:
    return [Route("/ecrire/{doc_id}", writing_room, name="writing_room")]
