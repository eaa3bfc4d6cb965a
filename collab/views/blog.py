"""The class blog: the texts pairs agreed on (draft → submitted → published), the teacher's
moderation (texts, comments, texts still being written, settings), the post pages with the
changes of a second draft, comments, and the private Atom feed for families' apps.

Who reads: the class's pupils, its pupils' parents and its teachers (READ_CLASS_BLOG); only
its teachers (TEACH_CLASS, never admins) see submitted texts, refused comments and act.
"""

from __future__ import annotations

import re
import secrets
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collab.auth import CSRF_FIELD, check_csrf, require_session
from collab.errors import Conflict, InvalidInput, NotFound
from collab.hub import Hub
from collab.models import ClassTarget, DocStatus, SchoolClass
from collab.policy import Action, can, require
from collab.store import Post, Session
from collab.store.blog import COMMENT_MODES, BlogSettings, Comment
from collab.textdiff import word_diff
from collab.views.pages import form_text, hub_of, path_id, render

COMMENT_MAX_CHARS = 1000
FEED_MAX_ENTRIES = 50
_EXCERPT_CHARS = 280
_ATOM = "http://www.w3.org/2005/Atom"
#: Characters XML 1.0 cannot carry (a pasted control character must not break families' apps).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: What a redirect may say (by code: a crafted link cannot put words on the page).
_NOTICES = {
    "publie": "Le texte est publié sur le blog.",
    "retire": "Le texte est retiré du blog : il attend de nouveau votre décision.",
    "renvoye": "Le texte est renvoyé au binôme : il peut de nouveau l'écrire.",
    "moderation-oui": "Les textes attendront votre accord avant d'être publiés.",
    "moderation-non": "Les textes seront publiés dès que le binôme est d'accord.",
    "mode": "Le réglage des commentaires est enregistré.",
    "fermes": "Tous les commentaires sont fermés et cachés.",
    "ouverts": "Les commentaires sont de nouveau ouverts.",
    "cle": "Nouvelle adresse du flux : l'ancienne ne marche plus.",
    "envoye": "Commentaire envoyé : il sera affiché quand l'enseignant l'aura validé.",
    "affiche": "Commentaire publié.",
    "accepte": "Commentaire accepté : tout le monde le voit.",
    "refuse": "Commentaire refusé : seuls les enseignants le voient.",
    "supprime": "Commentaire supprimé.",
}


class BlogConflict(Conflict):
    """The post or the comments are not in the state the action needs; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.public_message = message


class CommentsClosed(BlogConflict):
    reason = "comments_closed"

    def __init__(self) -> None:
        super().__init__("Les commentaires sont fermés pour ce texte.")


@dataclass(frozen=True, slots=True)
class Reader:
    session: Session
    klass: SchoolClass
    teacher: bool  # one of the class's teachers: moderates


# -- who asks --------------------------------------------------------------------------------


async def _class(hub: Hub, class_id: int) -> SchoolClass:
    klass = await hub.store.schools.get_class(class_id)
    if klass is None:
        raise NotFound(f"no class {class_id}")
    return klass


async def _reader(request: Request, session: Session, class_id: int) -> Reader:
    """The signed-in user as a reader of the class's blog (403 for everyone else)."""
    hub = hub_of(request)
    klass = await _class(hub, class_id)
    principal = await hub.store.accounts.load_principal(session.user)
    target = ClassTarget(klass.id, klass.school_id)
    require(principal, Action.READ_CLASS_BLOG, target)
    return Reader(session, klass, can(principal, Action.TEACH_CLASS, target))


async def _form_session(request: Request) -> tuple[Session, FormData]:
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    form = await request.form()
    check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    return session, form


async def _managed_class(request: Request, session: Session, class_id: int) -> SchoolClass:
    """The class of a teacher's form, which they must teach."""
    hub = hub_of(request)
    klass = await _class(hub, class_id)
    principal = await hub.store.accounts.load_principal(session.user)
    require(principal, Action.TEACH_CLASS, ClassTarget(klass.id, klass.school_id))
    return klass


async def _post(hub: Hub, post_id: int) -> Post:
    post = await hub.store.blog.get(post_id)
    if post is None:
        raise NotFound(f"no post {post_id}")
    return post


async def _taught_post(request: Request) -> tuple[Post, FormData]:
    """The post of a teacher's form (CSRF checked, the class taught by them)."""
    session, form = await _form_session(request)
    post = await _post(hub_of(request), path_id(request, "post_id"))
    await _managed_class(request, session, post.class_id)
    return post, form


def _back(request: Request, form: FormData, class_id: int, post_id: int | None, notice: str) -> Response:
    """Back to the page the form was on (``retour``: billet, blog; the moderation page otherwise)."""
    where = form_text(form, "retour", 20)
    if where == "billet" and post_id is not None:
        url = request.url_for("blog_post", post_id=post_id)
    elif where == "blog":
        url = request.url_for("class_blog", class_id=class_id)
    else:
        url = request.url_for("blog_queue", class_id=class_id)
    return RedirectResponse(f"{url}?{urlencode({'ok': notice})}", status_code=303)


def _notice(request: Request) -> str:
    return _NOTICES.get(request.query_params.get("ok", ""), "")


# -- what readers see ------------------------------------------------------------------------


def comment_mode(post: Post, settings: BlogSettings) -> str:
    """How the post takes comments now: the kill switch, else its own mode, else the class's."""
    return "off" if settings.comments_closed else post.comments_mode or settings.comments_mode


def comment_shown(comment: Comment, *, viewer_id: int, teacher: bool, closed: bool) -> bool:
    """Teachers see every comment; others see the visible ones and their own held ones, and
    nothing while the class's comments are closed."""
    if teacher:
        return True
    if closed or comment.status == "refused":
        return False
    return comment.status == "visible" or comment.author_id == viewer_id


def excerpt(body: str, limit: int = _EXCERPT_CHARS) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def paragraphs(body: str) -> list[str]:
    """Blank lines part paragraphs; single line breaks stay inside them (shown by the CSS)."""
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n")) if p.strip()]


async def _authors(hub: Hub, posts: list[Post]) -> dict[int, list[str]]:
    """Post id → the first names of its pair's members."""
    pairs: dict[int, list[str]] = {}
    for pair_id in {p.pair_id for p in posts if p.pair_id is not None}:
        pair = await hub.store.pairs.get_pair(pair_id)
        pairs[pair_id] = [m.display_name for m in pair.members] if pair is not None else []
    return {p.id: pairs.get(p.pair_id, []) if p.pair_id is not None else [] for p in posts}


async def _feed_url(request: Request, class_id: int) -> str:
    key = await hub_of(request).store.blog.ensure_feed_key(class_id)
    return f"{request.url_for('class_feed', class_id=class_id)}?{urlencode({'cle': key})}"


async def class_blog(request: Request) -> Response:
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    reader = await _reader(request, session, path_id(request, "class_id"))
    klass, blog = reader.klass, hub.store.blog
    posts = await blog.posts_of_class(klass.id, with_submitted=reader.teacher)
    settings = await blog.settings(klass.id)
    counts = {} if settings.comments_closed else await blog.visible_comment_counts(klass.id)
    return render(
        request,
        "blog/class.html",
        {
            "klass": klass,
            "posts": posts,
            "authors": await _authors(hub, posts),
            "excerpts": {p.id: excerpt(p.body) for p in posts},
            "comment_counts": counts,
            "teacher": reader.teacher,
            "waiting": await blog.waiting(klass.id) if reader.teacher else None,
            "feed_url": await _feed_url(request, klass.id),
            "notice": _notice(request),
            "tab": "blog",
        },
        session=session,
    )


async def _post_context(request: Request, reader: Reader, post: Post) -> dict[str, Any]:
    hub = hub_of(request)
    blog = hub.store.blog
    settings = await blog.settings(post.class_id)
    me = reader.session.user.id
    closed = settings.comments_closed
    comments = [
        c
        for c in await blog.comments_of_post(post.id)
        if comment_shown(c, viewer_id=me, teacher=reader.teacher, closed=closed)
    ]
    lineage = await hub.store.documents.lineage(post.doc_id)
    first = await blog.post_of_document(lineage.parent_id) if lineage.parent_id else None
    first = first if first is not None and (first.published or reader.teacher) else None
    second = await blog.post_of_document(lineage.child_id) if lineage.child_id else None
    second = second if second is not None and (second.published or reader.teacher) else None
    task = await hub.store.tasks.get(post.task_id) if post.task_id is not None else None
    if task is None and first is not None and first.task_id is not None:
        task = await hub.store.tasks.get(first.task_id)  # a second draft was made for its first's task
    return {
        "klass": reader.klass,
        "post": post,
        "authors": (await _authors(hub, [post]))[post.id],
        "task": task,
        "paragraphs": paragraphs(post.body),
        "first": first,
        "second": second,
        "diff": word_diff(first.body, post.body) if first is not None else None,
        "comments": comments,
        "mode": comment_mode(post, settings),
        "own_mode": post.comments_mode,
        "class_mode": settings.comments_mode,
        "closed": closed,
        "teacher": reader.teacher,
        "limit": COMMENT_MAX_CHARS,
        "notice": _notice(request),
        "comment_error": "",
        "comment_text": "",
    }


async def _readable(request: Request, session: Session) -> tuple[Post, Reader]:
    """The post of the path, if this reader may see it: a submitted one only for its teachers
    (404 for others: they learn nothing of it), another class's never (403)."""
    post = await _post(hub_of(request), path_id(request, "post_id"))
    reader = await _reader(request, session, post.class_id)
    if not post.published and not reader.teacher:
        raise NotFound(f"post {post.id} is not published")
    return post, reader


async def post_page(request: Request) -> Response:
    session = await require_session(hub_of(request).store, request)
    post, reader = await _readable(request, session)
    context = await _post_context(request, reader, post)
    return render(request, "blog/post.html", context, session=session)


async def moderation_queue(request: Request) -> Response:
    """The teacher's page: texts to publish, comments to validate, texts still being written,
    and the class's settings."""
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    klass = await _managed_class(request, session, path_id(request, "class_id"))
    blog = hub.store.blog
    posts = await blog.posts_of_class(klass.id, with_submitted=True)
    submitted = [p for p in posts if not p.published]
    drafts = await blog.drafts_of_class(klass.id)
    pairs = {p.id: p for p in await hub.store.pairs.pairs_of_class(klass.id)}
    return render(
        request,
        "blog/moderation.html",
        {
            "klass": klass,
            "submitted": submitted,
            "authors": await _authors(hub, submitted),
            "excerpts": {p.id: excerpt(p.body) for p in submitted},
            "held": await blog.held_comments(klass.id),
            "titles": {p.id: p.title for p in posts},
            "drafts": drafts,
            "pairs": pairs,
            "settings": await blog.settings(klass.id),
            "waiting": await blog.waiting(klass.id),
            "teacher": True,
            "notice": _notice(request),
            "tab": "moderation",
        },
        session=session,
    )


# -- the teacher's actions -------------------------------------------------------------------


async def approve(request: Request) -> Response:
    post, form = await _taught_post(request)
    if not await hub_of(request).store.blog.approve(post.id) and not post.published:
        raise BlogConflict("Ce texte n'attend plus de décision.")
    return _back(request, form, post.class_id, post.id, "publie")


async def unpublish(request: Request) -> Response:
    post, form = await _taught_post(request)
    if not await hub_of(request).store.blog.unpublish(post.id) and post.published:
        raise BlogConflict("Ce texte n'est plus sur le blog.")
    return _back(request, form, post.class_id, post.id, "retire")


async def send_back(request: Request) -> Response:
    """The post is deleted and its document reopens for the pair (one transaction); then the
    hub tells the dashboards and a room still loaded."""
    hub = hub_of(request)
    post, form = await _taught_post(request)
    if post.published:
        raise BlogConflict("Ce texte est sur le blog : retirez-le d'abord, puis renvoyez-le au binôme.")
    if (await hub.store.documents.lineage(post.doc_id)).child_id is not None:
        raise BlogConflict("Un deuxième jet a déjà été commencé à partir de ce texte.")
    doc_id = await hub.store.blog.send_back(post.id)
    if doc_id is None:
        raise BlogConflict("Ce texte n'attend plus de décision.")
    await hub.set_status(doc_id, DocStatus.OPEN)  # dashboards and a loaded room hear of it
    return _back(request, form, post.class_id, None, "renvoye")


async def set_moderation(request: Request) -> Response:
    """POST ``moderated`` = ``1`` (texts wait for the teacher) or ``0`` (online at once)."""
    session, form = await _form_session(request)
    klass = await _managed_class(request, session, path_id(request, "class_id"))
    moderated = form_text(form, "moderated", 1) != "0"
    await hub_of(request).store.blog.set_moderated(klass.id, moderated)
    return _back(request, form, klass.id, None, "moderation-oui" if moderated else "moderation-non")


def _mode_field(form: FormData, *, allow_class: bool) -> str | None:
    mode = form_text(form, "mode", 20)
    if mode in COMMENT_MODES:
        return mode
    if allow_class and mode == "classe":
        return None
    raise InvalidInput("Choisissez un réglage des commentaires dans la liste.")


async def set_class_comments(request: Request) -> Response:
    """POST ``mode``: off, immediate or held: the default of the class's posts."""
    session, form = await _form_session(request)
    klass = await _managed_class(request, session, path_id(request, "class_id"))
    mode = _mode_field(form, allow_class=False)
    assert mode is not None
    await hub_of(request).store.blog.set_comments_mode(klass.id, mode)
    return _back(request, form, klass.id, None, "mode")


async def close_comments(request: Request) -> Response:
    """The kill switch: POST ``fermer`` = ``1`` closes and hides every comment, ``0`` restores."""
    session, form = await _form_session(request)
    klass = await _managed_class(request, session, path_id(request, "class_id"))
    closed = form_text(form, "fermer", 1) != "0"
    await hub_of(request).store.blog.set_comments_closed(klass.id, closed)
    return _back(request, form, klass.id, None, "fermes" if closed else "ouverts")


async def set_post_comments(request: Request) -> Response:
    """POST ``mode``: classe (follow the class), off, immediate or held, for this post."""
    post, form = await _taught_post(request)
    await hub_of(request).store.blog.set_post_comments_mode(post.id, _mode_field(form, allow_class=True))
    return _back(request, form, post.class_id, post.id, "mode")


async def moderate_comment(request: Request) -> Response:
    """POST ``action``: accepter (shown to all), refuser (teachers only) or supprimer."""
    hub = hub_of(request)
    session, form = await _form_session(request)
    comment_id = path_id(request, "comment_id")
    comment = await hub.store.blog.get_comment(comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    await _managed_class(request, session, comment.class_id)
    action = form_text(form, "action", 20)
    if action == "accepter":
        await hub.store.blog.set_comment_status(comment.id, "visible")
    elif action == "refuser":
        await hub.store.blog.set_comment_status(comment.id, "refused")
    elif action == "supprimer":
        await hub.store.blog.delete_comment(comment.id)
    else:
        raise InvalidInput("Action inconnue.")
    notices = {"accepter": "accepte", "refuser": "refuse", "supprimer": "supprime"}
    return _back(request, form, comment.class_id, comment.post_id, notices[action])


async def renew_feed_key(request: Request) -> Response:
    session, form = await _form_session(request)
    klass = await _managed_class(request, session, path_id(request, "class_id"))
    await hub_of(request).store.blog.renew_feed_key(klass.id)
    return _back(request, form, klass.id, None, "cle")


# -- comments --------------------------------------------------------------------------------


def comment_error(body: str) -> str:
    """Why a comment (already trimmed) cannot be sent, in French; "" when it can."""
    if not body:
        return "Le commentaire est vide : il faut écrire quelques mots avant de l'envoyer."
    if len(body) > COMMENT_MAX_CHARS:
        return f"Le commentaire est trop long : {COMMENT_MAX_CHARS} caractères au plus (il en a {len(body)})."
    return ""


async def add_comment(request: Request) -> Response:
    """POST ``commentaire``: by a reader of the class's blog, on a published post whose comments
    are open; shown at once (immediate mode, or a teacher's) or held for the teacher."""
    hub = hub_of(request)
    session, form = await _form_session(request)
    post, reader = await _readable(request, session)
    if not post.published:
        raise BlogConflict("On ne peut commenter qu'un texte publié.")
    mode = comment_mode(post, await hub.store.blog.settings(post.class_id))
    if mode == "off":
        raise CommentsClosed()
    raw = form.get("commentaire")
    body = re.sub(r"\n{3,}", "\n\n", raw.replace("\r\n", "\n")).strip() if isinstance(raw, str) else ""
    error = comment_error(body)
    if error:
        context = await _post_context(request, reader, post)
        context.update(comment_error=error, comment_text=body[: COMMENT_MAX_CHARS * 2])
        return render(request, "blog/post.html", context, session=session, status=400)
    status = "visible" if reader.teacher or mode == "immediate" else "held"
    comment = await hub.store.blog.add_comment(post.id, session.user.id, body, status)
    if comment is None:  # unpublished or closed meanwhile
        raise CommentsClosed()
    url = request.url_for("blog_post", post_id=post.id)
    notice = urlencode({"ok": "affiche" if status == "visible" else "envoye"})
    return RedirectResponse(f"{url}?{notice}#commentaire-{comment.id}", status_code=303)


# -- the Atom feed ---------------------------------------------------------------------------


def _rfc3339(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _urn(url: str) -> str:
    """A stable Atom id for a page of this server."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def atom_feed(
    *, title: str, blog_url: str, self_url: str, posts: list[Post], authors: dict[int, list[str]], post_url: Any
) -> bytes:
    """Atom 1.0 of published posts (newest first); ElementTree escapes every text."""
    feed = ET.Element("feed", {"xmlns": _ATOM, "{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    _child(feed, "id", _urn(blog_url))
    _child(feed, "title", title)
    newest = max((p.published_at or p.created_at for p in posts), default=0.0)
    _child(feed, "updated", _rfc3339(newest))
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _child(feed, "link", rel="alternate", type="text/html", href=blog_url)
    _child(_child(feed, "author"), "name", title)
    _child(feed, "generator", "Binôme")
    for post in posts:
        url = str(post_url(post.id))
        entry = _child(feed, "entry")
        _child(entry, "id", _urn(url))
        _child(entry, "title", post.title)
        for name in authors.get(post.id, []):
            _child(_child(entry, "author"), "name", name)
        when = _rfc3339(post.published_at or post.created_at)
        _child(entry, "published", when)
        _child(entry, "updated", when)
        _child(entry, "link", rel="alternate", type="text/html", href=url)
        _child(entry, "content", post.body, type="text")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


async def class_feed(request: Request) -> Response:
    """GET ``?cle=KEY``: no session; the class's private key authorises. Anything wrong is a 404."""
    hub = hub_of(request)
    klass = await _class(hub, path_id(request, "class_id"))
    given = request.query_params.get("cle", "").encode()
    expected = await hub.store.blog.feed_key(klass.id)
    if klass.archived or expected is None or not secrets.compare_digest(given, expected.encode()):
        raise NotFound("no such feed")
    posts = await hub.store.blog.posts_of_class(klass.id, with_submitted=False, limit=FEED_MAX_ENTRIES)
    body = atom_feed(
        title=f"Le blog de la classe {klass.name}",
        blog_url=str(request.url_for("class_blog", class_id=klass.id)),
        self_url=str(request.url),
        posts=posts,
        authors=await _authors(hub, posts),
        post_url=lambda post_id: request.url_for("blog_post", post_id=post_id),
    )
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


def blog_routes() -> list[Route]:
    return [
        Route("/blog/classe/{class_id}", class_blog, name="class_blog"),
        Route("/blog/classe/{class_id}/moderation", moderation_queue, name="blog_queue"),
        Route("/blog/classe/{class_id}/reglage", set_moderation, methods=["POST"], name="blog_moderation"),
        Route("/blog/classe/{class_id}/commentaires", set_class_comments, methods=["POST"], name="class_comments"),
        Route(
            "/blog/classe/{class_id}/commentaires/fermeture", close_comments, methods=["POST"], name="close_comments"
        ),
        Route("/blog/classe/{class_id}/atom", class_feed, name="class_feed"),
        Route("/blog/classe/{class_id}/atom/nouvelle-cle", renew_feed_key, methods=["POST"], name="renew_feed_key"),
        Route("/blog/billet/{post_id}", post_page, name="blog_post"),
        Route("/blog/billet/{post_id}/publier", approve, methods=["POST"], name="approve_post"),
        Route("/blog/billet/{post_id}/retirer", unpublish, methods=["POST"], name="unpublish_post"),
        Route("/blog/billet/{post_id}/renvoyer", send_back, methods=["POST"], name="send_back_post"),
        Route("/blog/billet/{post_id}/commentaires", add_comment, methods=["POST"], name="add_comment"),
        Route("/blog/billet/{post_id}/commentaires/reglage", set_post_comments, methods=["POST"], name="post_comments"),
        Route("/blog/commentaire/{comment_id}", moderate_comment, methods=["POST"], name="moderate_comment"),
    ]
