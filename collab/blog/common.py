"""What the class blog's endpoints share: who asks (readers, teachers of the class), the
blog's errors, the way back to the form's page with its notice, and the post page's context
(shown again with the error of a comment that cannot be sent).

Who reads: the class's pupils, its pupils' parents and its teachers (READ_CLASS_BLOG); only
its teachers (TEACH_CLASS, never admins) see submitted texts, refused comments and act.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from collab.errors import NotFound
from collab.models import BlogSettings, ClassTarget, Comment, Post, SchoolClass, Session
from collab.policy import Action
from collab.store import Store
from collab.web.access import Asker, class_for, posted
from collab.web.notices import notice_of, redirect_with_notice
from collab.web.pages import form_text, path_id, store_of
from collab.writing.drafts import draft_name
from collab.writing.textdiff import word_diff

COMMENT_MAX_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Reader:
    session: Session
    klass: SchoolClass
    teacher: bool  # one of the class's teachers: moderates (not once the class is archived)
    may_comment: bool  # not once the class is archived


# -- who asks --------------------------------------------------------------------------------


async def class_reader(asker: Asker, class_id: int) -> Reader:
    """The asker as a reader of the class's blog (404 for no class, 403 for everyone else)."""
    klass = await class_for(asker, class_id, Action.READ_CLASS_BLOG)
    target = ClassTarget.of(klass)
    return Reader(
        asker.session,
        klass,
        teacher=await asker.can(Action.TEACH_CLASS, target),
        may_comment=await asker.can(Action.COMMENT_CLASS_BLOG, target),
    )


async def managed_class(asker: Asker, class_id: int) -> SchoolClass:
    """The class of a teacher's form, which they must teach."""
    return await class_for(asker, class_id, Action.TEACH_CLASS)


async def _post(store: Store, post_id: int) -> Post:
    post = await store.blog.get(post_id)
    if post is None:
        raise NotFound(f"no post {post_id}")
    return post


async def taught_post(request: Request) -> tuple[Asker, Post, FormData]:
    """The teacher, and the post of their form (CSRF checked, the class taught by them)."""
    asker, form = await posted(request)
    post = await _post(asker.store, path_id(request, "post_id"))
    await managed_class(asker, post.class_id)
    return asker, post, form


async def readable_post(request: Request, asker: Asker) -> tuple[Post, Reader]:
    """The post of the path, if this reader may see it: a submitted one only for its teachers
    (404 for others: they learn nothing of it), another class's never (403)."""
    post = await _post(asker.store, path_id(request, "post_id"))
    reader = await class_reader(asker, post.class_id)
    if not post.published and not reader.teacher:
        raise NotFound(f"post {post.id} is not published")
    return post, reader


# -- where a form goes back ------------------------------------------------------------------


def redirect_back(request: Request, form: FormData, class_id: int, post_id: int | None, notice: str) -> Response:
    """Back to the page the form was on (``retour``: billet, blog; the moderation page otherwise)."""
    where = form_text(form, "retour", 20)
    if where == "billet" and post_id is not None:
        url = request.url_for("blog_post", post_id=post_id)
    elif where == "blog":
        url = request.url_for("class_blog", class_id=class_id)
    else:
        url = request.url_for("blog_queue", class_id=class_id)
    return redirect_with_notice(request, url, notice)


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


def paragraphs(body: str) -> list[str]:
    """Blank lines part paragraphs; single line breaks stay inside them (shown by the CSS)."""
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n")) if p.strip()]


async def post_authors(store: Store, posts: list[Post]) -> dict[int, list[str]]:
    """Post id → the first names of its pair's members (« un ancien élève » for an erased one)."""
    names: dict[int, list[str]] = {}
    for class_id in {p.class_id for p in posts}:  # one query per class (a page shows one class)
        for pair in await store.pairs.pairs_of_class(class_id):
            names[pair.id] = list(pair.author_names)
    return {p.id: names.get(p.pair_id, []) if p.pair_id is not None else [] for p in posts}


async def post_context(request: Request, reader: Reader, post: Post) -> dict[str, Any]:
    """What ``blog/post.html`` shows: the text, its other draft and the changes, the comments."""
    store = store_of(request)
    blog = store.blog
    settings = await blog.settings(post.class_id)
    me = reader.session.user.id
    closed = settings.comments_closed
    comments = [
        c
        for c in await blog.comments_of_post(post.id)
        if comment_shown(c, viewer_id=me, teacher=reader.teacher, closed=closed)
    ]
    lineage = await store.documents.lineage(post.doc_id)
    first = await blog.post_of_document(lineage.parent_id) if lineage.parent_id else None
    first = first if first is not None and (first.published or reader.teacher) else None
    second = await blog.post_of_document(lineage.child_id) if lineage.child_id else None
    second = second if second is not None and (second.published or reader.teacher) else None
    task = await store.tasks.get(post.task_id) if post.task_id is not None else None
    if task is None and first is not None and first.task_id is not None:
        task = await store.tasks.get(first.task_id)  # a second draft was made for its first's task
    return {
        "klass": reader.klass,
        "post": post,
        "authors": (await post_authors(store, [post]))[post.id],
        "task": task,
        "paragraphs": paragraphs(post.body),
        "first": first,
        "second": second,
        "diff": await asyncio.to_thread(word_diff, first.body, post.body) if first is not None else None,
        "draft": lineage.draft,
        "draft_name": draft_name,
        "comments": comments,
        "mode": comment_mode(post, settings),
        "own_mode": post.comments_mode,
        "class_mode": settings.comments_mode,
        "closed": closed,
        "teacher": reader.teacher,
        "limit": COMMENT_MAX_CHARS,
        "notice": notice_of(request),
        "comment_error": "",
        "comment_text": "",
    }
