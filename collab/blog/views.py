"""The class blog: the texts pairs agreed on (draft → submitted → published), the teacher's
moderation page and the publication actions and setting, and the post pages with the changes
of a second draft. Comments are in ``blog_comments``, the Atom feed in ``blog_feed``, what they
share in ``blog_common``; ``blog_routes`` gathers every URL of the blog.

Who reads: the class's pupils, its pupils' parents and its teachers (READ_CLASS_BLOG); only
its teachers (TEACH_CLASS, never admins) see submitted texts, refused comments and act.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collab.blog import atom as blog_feed
from collab.blog import comment_views as blog_comments
from collab.blog.common import (
    class_reader,
    managed_class,
    post_authors,
    post_context,
    readable_post,
    redirect_back,
    taught_post,
)
from collab.errors import BlogConflict, InvalidInput
from collab.models import MAX_COMMENT, DocStatus, Waiting
from collab.states import text_state
from collab.web.access import posted, signed_in
from collab.web.notices import notice_of
from collab.web.pages import form_text, hub_of, path_id, render
from collab.writing.drafts import draft_name

_EXCERPT_CHARS = 280


def excerpt(body: str, limit: int = _EXCERPT_CHARS) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


# -- what readers see ------------------------------------------------------------------------


async def class_blog(request: Request) -> Response:
    asker = await signed_in(request)
    session, store = asker.session, asker.store
    reader = await class_reader(asker, path_id(request, "class_id"))
    klass, blog = reader.klass, store.blog
    posts = await blog.posts_of_class(klass.id, with_submitted=reader.teacher)
    settings = await blog.settings(klass.id)
    counts = {} if settings.comments_closed else await blog.visible_comment_counts(klass.id)
    return render(
        request,
        "blog/class.html",
        {
            "klass": klass,
            "posts": posts,
            "authors": await post_authors(store, posts),
            "excerpts": {p.id: excerpt(p.body) for p in posts},
            "comment_counts": counts,
            "teacher": reader.teacher,
            "waiting": await blog.waiting(klass.id) if reader.teacher else None,
            "feed_url": await blog_feed.feed_url(request, klass.id),
            "notice": notice_of(request),
            "tab": "blog",
        },
        session=session,
    )


async def post_page(request: Request) -> Response:
    asker = await signed_in(request)
    post, reader = await readable_post(request, asker)
    context = await post_context(request, reader, post)
    return render(request, "blog/post.html", context, session=asker.session)


async def moderation_queue(request: Request) -> Response:
    """The teacher's page: texts to publish, comments to validate, texts still being written,
    and the class's settings."""
    asker = await signed_in(request)
    session, store = asker.session, asker.store
    klass = await managed_class(asker, path_id(request, "class_id"))
    blog = store.blog
    posts = await blog.posts_of_class(klass.id, with_submitted=True)
    submitted = [p for p in posts if not p.published]
    drafts = await blog.drafts_of_class(klass.id)
    now = time.time()
    facts = await store.tasks.text_facts([d.doc_id for d in drafts])
    draft_states = {doc_id: text_state(f, now) for doc_id, f in facts.items()}
    pairs = {p.id: p for p in await store.pairs.pairs_of_class(klass.id)}
    held = await blog.held_comments(klass.id)
    return render(
        request,
        "blog/moderation.html",
        {
            "klass": klass,
            "submitted": submitted,
            "authors": await post_authors(store, submitted),
            "excerpts": {p.id: excerpt(p.body) for p in submitted},
            "held": held,
            "titles": {p.id: p.title for p in posts},
            "drafts": drafts,
            "draft_states": draft_states,
            "draft_name": draft_name,
            "pairs": pairs,
            "settings": await blog.settings(klass.id),
            "waiting": Waiting(posts=len(submitted), comments=len(held)),  # both lists are whole
            "teacher": True,
            "notice": notice_of(request),
            "tab": "moderation",
        },
        session=session,
    )


# -- the teacher's actions -------------------------------------------------------------------


async def approve(request: Request) -> Response:
    asker, post, form = await taught_post(request)
    if not await asker.store.blog.approve(post.id) and not post.published:
        raise BlogConflict("Ce texte n'attend plus de décision.")
    await request.app.state.agreements.post_changed(post.doc_id)  # dashboards and open tablets say « publié »
    return redirect_back(request, form, post.class_id, post.id, "publie")


async def unpublish(request: Request) -> Response:
    asker, post, form = await taught_post(request)
    if not await asker.store.blog.unpublish(post.id) and post.published:
        raise BlogConflict("Ce texte n'est plus sur le blog.")
    await request.app.state.agreements.post_changed(post.doc_id)
    return redirect_back(request, form, post.class_id, post.id, "retire")


async def send_back(request: Request) -> Response:
    """The post is deleted and its document reopens for the pair (one transaction); then the
    hub tells the dashboards and a room still loaded."""
    hub = hub_of(request)
    asker, post, form = await taught_post(request)
    session, store = asker.session, asker.store
    note = form_text(form, "mot", MAX_COMMENT + 1).strip()
    if len(note) > MAX_COMMENT:
        raise InvalidInput(f"Un mot au binôme fait {MAX_COMMENT} caractères au plus.")
    if post.published:
        raise BlogConflict("Ce texte est sur le blog : retirez-le d'abord, puis renvoyez-le au binôme.")
    if (await store.documents.lineage(post.doc_id)).child_id is not None:
        raise BlogConflict("Un deuxième jet a déjà été commencé à partir de ce texte.")
    # What the pair reads: her word, or her comment if she wrote it while reviewing this version
    # (an older comment, « Bravo ! » on an earlier version, is not why the text comes back).
    comment = await store.follow_up.comment(post.doc_id)
    word = note or (comment.body if comment is not None and comment.updated_at >= post.created_at else "")
    doc_id = await store.blog.send_back(post.id, word)
    if doc_id is None:
        raise BlogConflict("Ce texte n'attend plus de décision.")
    if note:  # the teacher's word to the pair becomes her comment on the text
        await store.follow_up.set_comment(doc_id, note, session.user.id)
    # The send-back reopened it: dashboards and a loaded room hear of it; the pair reads why.
    at, word = await store.blog.sent_back(doc_id) or (time.time(), word)
    hub.status_changed(doc_id, DocStatus.OPEN, sent_back={"at": at, "comment": word})
    return redirect_back(request, form, post.class_id, None, "renvoye")


async def set_moderation(request: Request) -> Response:
    """POST ``moderated`` = ``1`` (texts wait for the teacher) or ``0`` (online at once)."""
    asker, form = await posted(request)
    klass = await managed_class(asker, path_id(request, "class_id"))
    moderated = form_text(form, "moderated", 1) != "0"
    await asker.store.blog.set_moderated(klass.id, moderated)
    return redirect_back(request, form, klass.id, None, "moderation-oui" if moderated else "moderation-non")


def blog_routes() -> list[Route]:
    klass, post, comment = "/blog/classe/{class_id}", "/blog/billet/{post_id}", "/blog/commentaire/{comment_id}"
    form = ["POST"]
    return [
        Route(klass, class_blog, name="class_blog"),
        Route(klass + "/moderation", moderation_queue, name="blog_queue"),
        Route(klass + "/reglage", set_moderation, methods=form, name="blog_moderation"),
        Route(klass + "/commentaires", blog_comments.set_class_comments, methods=form, name="class_comments"),
        Route(klass + "/commentaires/fermeture", blog_comments.close_comments, methods=form, name="close_comments"),
        Route(klass + "/atom", blog_feed.class_feed, name="class_feed"),
        Route(klass + "/atom/nouvelle-cle", blog_feed.renew_feed_key, methods=form, name="renew_feed_key"),
        Route(post, post_page, name="blog_post"),
        Route(post + "/publier", approve, methods=form, name="approve_post"),
        Route(post + "/retirer", unpublish, methods=form, name="unpublish_post"),
        Route(post + "/renvoyer", send_back, methods=form, name="send_back_post"),
        Route(post + "/commentaires", blog_comments.add_comment, methods=form, name="add_comment"),
        Route(post + "/commentaires/reglage", blog_comments.set_post_comments, methods=form, name="post_comments"),
        Route(comment, blog_comments.moderate_comment, methods=form, name="moderate_comment"),
    ]
