"""The pair's writing room: the shared editor (the bundle in static/dist/), their group's
instructions and, for a dictation, the phrase player; « On est d'accord » and the room's state.
The reference text of a dictation never reaches these pages."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collab.errors import InvalidInput
from collab.mediatheque.phrases import phrases_of
from collab.models import ANNOTATION_NAMES, Access, DocStatus, DocumentTarget, MediaKind, Post
from collab.people import coloured
from collab.realtime.awareness import SERVER_CLIENT_ID
from collab.web.access import check_header, open_document, signed_in
from collab.web.pages import kept_offline, render, store_of
from collab.writing.drafts import draft_name

_CLOSED = {
    DocStatus.LOCKED: "La maîtresse ou le maître a mis ce texte en pause : tu peux le relire, pas l'écrire.",
    DocStatus.PUBLISHED: "Votre texte est terminé : il ne change plus.",
}
_ENDED = "Le temps est écoulé : la maîtresse ou le maître a terminé ce travail. Ton texte est gardé."
_NOT_OPEN = "Ce texte n'est pas ouvert en ce moment : demande l'heure prévue à la maîtresse ou au maître."
#: The body of « On est d'accord »: a base64 state vector is a few hundred bytes at most.
_MAX_AGREE_BODY = 4096


def _closed_message(target: DocumentTarget) -> str:
    if target.document.status in _CLOSED:
        return _CLOSED[target.document.status]
    if target.closes_at is not None and time.time() >= target.closes_at:
        return _ENDED
    return _NOT_OPEN


async def writing_room(request: Request) -> Response:
    store = store_of(request)
    on = await open_document(request)
    session, target, access = on.session, on.target, on.access
    doc_id = target.document.id
    closed = "" if access is not None else _closed_message(target)
    access = access or Access.READ  # a writer of a closed document still reads it and listens
    assignment = await store.tasks.assignment(doc_id)
    media = phrases = None
    if assignment is not None and assignment[1].media_id is not None:
        media = await store.media.get(assignment[1].media_id)
        if media is not None and media.kind is MediaKind.AUDIO and media.duration:
            phrases = phrases_of(media.cuts, media.duration)
    pair = await store.pairs.get_pair(target.pair_id) if target.pair_id is not None else None
    members = pair.members if pair is not None else ()
    previous = await _previous_draft(request, doc_id)
    room = {
        "doc": doc_id,
        "socket": str(request.url_for("home")).replace("http", "ws", 1).rstrip("/") + "/ws/doc",
        "access": access.value,
        "me": session.user.id,
        "members": coloured(members),
        "agree": str(request.url_for("agree", doc_id=doc_id)),
        "state": str(request.url_for("room_state", doc_id=doc_id)),
        "blog": str(request.url_for("class_blog", class_id=target.class_id)) if target.class_id else None,
        # A published post's page is this followed by its id.
        "postPage": str(request.url_for("blog_post", post_id=0)).removesuffix("0"),
        "sync": str(request.url_for("http_sync", doc_id=doc_id)),
        "csrf": session.csrf_token,
        "closed": closed,
        # The awareness client id under which the server announces the room's state.
        "presence": SERVER_CLIENT_ID,
    }
    page = render(
        request,
        "pupil/room.html",
        {
            "document": target.document,
            "task": assignment[0] if assignment else None,
            "group": assignment[1] if assignment else None,
            "media": media,
            "phrases": phrases,
            "access": access.value,
            "closed": closed,
            "previous": previous,
            "annotation_names": ANNOTATION_NAMES,
            "room": json.dumps(room, ensure_ascii=False),
        },
        session=session,
    )
    return kept_offline(page, session)


async def _previous_draft(request: Request, doc_id: str) -> dict[str, Any] | None:
    """For a second draft: what the teacher wrote on the first (comment, annotations), shown
    beside the text being rewritten, and the way to the first draft's correction."""
    store = store_of(request)
    parent = (await store.documents.lineage(doc_id)).parent_id
    if parent is None:
        return None
    lineage = await store.documents.lineage(parent)
    comment = await store.follow_up.comment(parent)
    return {
        "name": draft_name(lineage.draft),
        "comment": comment.body if comment is not None else "",
        "annotations": await store.follow_up.annotations(parent),
        "correction": str(request.url_for("own_correction", doc_id=parent)),
    }


def _post_json(request: Request, post: Post | None) -> dict[str, Any] | None:
    """The pair's post for the room: a published one links to its page; a submitted one to the
    class's blog (its page is the teacher's until published: pupils would get a 404)."""
    if post is None:
        return None
    if post.published:
        url = str(request.url_for("blog_post", post_id=post.id))
    else:
        url = str(request.url_for("class_blog", class_id=post.class_id)) + f"#billet-{post.id}"
    return {"id": post.id, "submitted": not post.published, "url": url}


async def agree(request: Request) -> Response:
    """POST JSON ``{"version": base64 state vector}`` with the ``X-CSRF-Token`` header."""
    asker = await signed_in(request)
    check_header(request, asker)
    session = asker.session
    body = await request.body()
    if len(body) > _MAX_AGREE_BODY:
        raise InvalidInput("Demande trop longue.")
    try:
        version = base64.b64decode(json.loads(body)["version"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInput("Version illisible.") from exc
    outcome = await request.app.state.agreements.agree(session.user, request.path_params["doc_id"], version)
    return JSONResponse(
        {"agreed": list(outcome.agreed), "members": list(outcome.members), "post": _post_json(request, outcome.post)}
    )


async def room_state(request: Request) -> Response:
    """GET: the room's status for a page that lost its connection (locked? published?)."""
    on = await open_document(request)  # a writer of a closed text may still know why it closed
    target, access = on.target, on.access
    status, agreed, members, post = await request.app.state.agreements.state_of(target.document.id)
    message = "" if status is DocStatus.OPEN and target.open_at(time.time()) else _closed_message(target)
    return JSONResponse(
        {
            "status": status.value,
            "message": message,
            "agreed": list(agreed),
            "members": list(members),
            "post": _post_json(request, post),
            # may the caller write now (a page built for reading reloads to become a writer's)
            "writable": access is Access.WRITE,
        }
    )


def pupil_routes() -> list[Route]:
    return [
        Route("/ecrire/{doc_id}", writing_room, name="writing_room"),
        Route("/ecrire/{doc_id}/accord", agree, methods=["POST"], name="agree"),
        Route("/ecrire/{doc_id}/etat", room_state, name="room_state"),
    ]
