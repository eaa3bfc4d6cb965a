"""The front page: the sign-in invitation, or the signed-in user's own home by role."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from collab.models import Role, SchoolClass, Session
from collab.policy import Action, can
from collab.states import TextFacts, text_state
from collab.web.access import Asker
from collab.web.auth import current_session
from collab.web.notices import notice_of
from collab.web.pages import hub_of, kept_offline, render, store_of


async def home(request: Request) -> Response:
    hub, store = hub_of(request), store_of(request)
    session = await current_session(store, request)
    if session is None:
        return render(request, "home/public.html", {"rooms": len(hub.rooms), "connections": hub.connection_count()})
    role = session.user.role
    if role is Role.PUPIL:
        return await _pupil_home(request, session)
    if role is Role.TEACHER:
        classes = await store.schools.classes_taught_by(session.user.id)
        archived = await store.schools.classes_taught_by(session.user.id, archived=True)
        return render(request, "home/teacher.html", {"classes": classes, "archived": archived}, session=session)
    if role is Role.ADMIN:
        principal = await Asker(session, store).principal()
        schools = await store.schools.list_schools(principal.admin_school_ids)
        communes = [(cid, await store.schools.commune_name(cid)) for cid in sorted(principal.admin_commune_ids)]
        context = {"schools": schools, "communes": communes, "notice": notice_of(request)}
        return render(request, "home/admin.html", context, session=session)
    if role is Role.PARENT:
        principal = await Asker(session, store).principal()
        found = [await store.schools.get_class(cid) for cid in sorted(principal.children_class_ids)]
        known = sorted((c for c in found if c is not None), key=lambda c: (c.archived, c.school_year), reverse=True)
        current = [c for c in known if not c.archived]
        years: dict[str, list[SchoolClass]] = {}
        for klass in known:
            if klass.archived:
                years.setdefault(klass.school_year, []).append(klass)
        context = {"classes": current, "past_years": sorted(years.items(), reverse=True)}
        return render(request, "home/parent.html", context, session=session)
    return await _documents_home(request, session)


async def _pupil_home(request: Request, session: Session) -> Response:
    """The pupil's texts, newest first: those to write now, then the closed and published ones."""
    store = store_of(request)
    pairs = {p.id: p for p in await store.pairs.pairs_of(session.user.id)}
    principal = await Asker(session, store).principal()
    # this year's pairs only: a pupil carried into a new class no longer writes with last year's partner
    current = [p for p in pairs.values() if not p.dissolved and p.class_id in principal.pupil_class_ids]
    partners = [m for p in current for m in p.members if m.id != session.user.id]
    now = time.time()
    texts: list[dict[str, Any]] = []
    targets = await store.documents.list_targets_for_user(session.user.id)
    facts = await store.tasks.text_facts([t.document.id for t in targets])
    for target in reversed(targets):
        pair = pairs.get(target.pair_id) if target.pair_id is not None else None
        if (pair is None and target.explicit is None) or not can(principal, Action.READ_DOCUMENT, target):
            continue  # a class's document that is not this pupil's, or no more (removed, archived)
        writable = can(principal, Action.WRITE_DOCUMENT, target, now=now)
        state = text_state(facts.get(target.document.id) or TextFacts(target.document.status), now)
        label = state.pupil_label if writable or not state.writable else "fermé"
        with_whom = pair.names_besides(session.user.id) if pair else []
        post = (
            await store.blog.post_of_document(target.document.id)
            if can(principal, Action.READ_OWN_CORRECTION, target)
            else None
        )
        texts.append(
            {
                "id": target.document.id,
                "title": target.document.title,
                "label": label,
                "open": writable,
                "with": with_whom,
                "correction": post is not None and post.published,  # its correction and the dictation's text
            }
        )
    texts.sort(key=lambda t: not t["open"])
    blog_classes = sorted(principal.pupil_class_ids)
    context = {"partners": partners, "texts": texts, "blog_classes": blog_classes}
    return kept_offline(render(request, "home/pupil.html", context, session=session), session)


async def _documents_home(request: Request, session: Session) -> Response:
    documents = await _open_documents(request, session)
    texts: list[dict[str, Any]] = [
        {
            "id": d["id"],
            "title": d["title"],
            "label": "à écrire" if d["access"] == "write" else "à lire",
            "open": d["access"] == "write",
            "with": [],
        }
        for d in documents
    ]
    return render(request, "home/pupil.html", {"partners": [], "texts": texts, "blog_classes": []}, session=session)


async def _open_documents(request: Request, session: Session) -> list[dict[str, str]]:
    documents = await hub_of(request).documents_for(session.user)
    return [{"id": doc.id, "title": doc.title, "access": access.value} for doc, access in documents]
