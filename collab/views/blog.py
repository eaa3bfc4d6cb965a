"""The class blog (first part): the texts pairs agreed on, the teacher's approval, and the
class setting that lets agreed texts go online at once."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collab.auth import CSRF_FIELD, check_csrf, require_session
from collab.errors import NotFound
from collab.models import ClassTarget, SchoolClass
from collab.policy import Action, can, require
from collab.store import Session
from collab.views.pages import form_text, hub_of, path_id, render


async def class_blog(request: Request) -> Response:
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    klass = await hub.store.schools.get_class(path_id(request, "class_id"))
    if klass is None:
        raise NotFound("no such class")
    principal = await hub.store.accounts.load_principal(session.user)
    target = ClassTarget(klass.id, klass.school_id)
    require(principal, Action.READ_CLASS_BLOG, target)
    teacher = can(principal, Action.TEACH_CLASS, target)
    posts = await hub.store.blog.posts_of_class(klass.id, with_submitted=teacher)
    authors = {}
    for post in posts:
        pair = await hub.store.pairs.get_pair(post.pair_id) if post.pair_id is not None else None
        authors[post.id] = [m.display_name for m in pair.members] if pair is not None else []
    return render(
        request,
        "blog/class.html",
        {
            "klass": klass,
            "posts": posts,
            "authors": authors,
            "teacher": teacher,
            "moderated": await hub.store.blog.is_moderated(klass.id),
            "notice": request.query_params.get("ok", "")[:100],
        },
        session=session,
    )


async def _form_session(request: Request) -> Session:
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    check_csrf((await request.form()).get(CSRF_FIELD), session.csrf_token)
    return session


async def _managed_class(request: Request, session: Session, class_id: int) -> SchoolClass:
    """The class of a teacher's form, which they must teach."""
    hub = hub_of(request)
    klass = await hub.store.schools.get_class(class_id)
    if klass is None:
        raise NotFound("no such class")
    principal = await hub.store.accounts.load_principal(session.user)
    require(principal, Action.TEACH_CLASS, ClassTarget(klass.id, klass.school_id))
    return klass


async def approve(request: Request) -> Response:
    hub = hub_of(request)
    session = await _form_session(request)
    post = await hub.store.blog.get(path_id(request, "post_id"))
    if post is None:
        raise NotFound("no such post")
    klass = await _managed_class(request, session, post.class_id)
    await hub.store.blog.approve(post.id)
    url = request.url_for("class_blog", class_id=klass.id)
    return RedirectResponse(f"{url}?ok=texte publié", status_code=303)


async def moderation(request: Request) -> Response:
    """POST ``moderated`` = ``1`` (texts wait for the teacher) or ``0`` (online at once)."""
    hub = hub_of(request)
    klass = await _managed_class(request, await _form_session(request), path_id(request, "class_id"))
    moderated = form_text(await request.form(), "moderated", 1) != "0"
    await hub.store.blog.set_moderated(klass.id, moderated)
    notice = "les textes attendront votre accord" if moderated else "les textes seront publiés dès l'accord"
    return RedirectResponse(f"{request.url_for('class_blog', class_id=klass.id)}?ok={notice}", status_code=303)


def blog_routes() -> list[Route]:
    return [
        Route("/blog/classe/{class_id}", class_blog, name="class_blog"),
        Route("/blog/classe/{class_id}/reglage", moderation, methods=["POST"], name="blog_moderation"),
        Route("/blog/billet/{post_id}/publier", approve, methods=["POST"], name="approve_post"),
    ]
