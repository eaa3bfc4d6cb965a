"""Comments on the class blog: a reader's comment on a published post, the teacher's moderation
of each comment, the class's and each post's comment settings, and the switch closing them all.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from collab.blog.common import (
    COMMENT_MAX_CHARS,
    comment_mode,
    managed_class,
    post_context,
    readable_post,
    redirect_back,
    taught_post,
)
from collab.errors import ArchivedClass, BlogConflict, CommentsClosed, InvalidInput, NotFound
from collab.store.blog import COMMENT_MODES
from collab.web.access import posted
from collab.web.notices import redirect_with_notice
from collab.web.pages import form_text, path_id, render


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
    asker, form = await posted(request)
    session, store = asker.session, asker.store
    post, reader = await readable_post(request, asker)
    if not reader.may_comment:
        raise ArchivedClass(f"class {post.class_id} is archived: no new comment")
    if not post.published:
        raise BlogConflict("On ne peut commenter qu'un texte publié.")
    mode = comment_mode(post, await store.blog.settings(post.class_id))
    if mode == "off":
        raise CommentsClosed()
    raw = form.get("commentaire")
    body = re.sub(r"\n{3,}", "\n\n", raw.replace("\r\n", "\n")).strip() if isinstance(raw, str) else ""
    error = comment_error(body)
    if error:
        context = await post_context(request, reader, post)
        context.update(comment_error=error, comment_text=body[: COMMENT_MAX_CHARS * 2])
        return render(request, "blog/post.html", context, session=session, status=400)
    status = "visible" if reader.teacher or mode == "immediate" else "held"
    comment = await store.blog.add_comment(post.id, session.user.id, body, status)
    if comment is None:  # unpublished or closed meanwhile
        raise CommentsClosed()
    url = request.url_for("blog_post", post_id=post.id)
    code = "affiche" if status == "visible" else "envoye"
    return redirect_with_notice(request, url, code, fragment=f"#commentaire-{comment.id}")


async def moderate_comment(request: Request) -> Response:
    """POST ``action``: accepter (shown to all), refuser (teachers only) or supprimer."""
    asker, form = await posted(request)
    store = asker.store
    comment_id = path_id(request, "comment_id")
    comment = await store.blog.get_comment(comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    await managed_class(asker, comment.class_id)
    action = form_text(form, "action", 20)
    if action == "accepter":
        await store.blog.set_comment_status(comment.id, "visible")
    elif action == "refuser":
        await store.blog.set_comment_status(comment.id, "refused")
    elif action == "supprimer":
        await store.blog.delete_comment(comment.id)
    else:
        raise InvalidInput("Action inconnue.")
    notices = {"accepter": "accepte", "refuser": "refuse", "supprimer": "supprime"}
    return redirect_back(request, form, comment.class_id, comment.post_id, notices[action])


# -- the comment settings --------------------------------------------------------------------


def _mode_field(form: FormData, *, allow_class: bool) -> str | None:
    mode = form_text(form, "mode", 20)
    if mode in COMMENT_MODES:
        return mode
    if allow_class and mode == "classe":
        return None
    raise InvalidInput("Choisissez un réglage des commentaires dans la liste.")


async def set_class_comments(request: Request) -> Response:
    """POST ``mode``: off, immediate or held: the default of the class's posts."""
    asker, form = await posted(request)
    klass = await managed_class(asker, path_id(request, "class_id"))
    mode = _mode_field(form, allow_class=False)
    assert mode is not None
    await asker.store.blog.set_comments_mode(klass.id, mode)
    return redirect_back(request, form, klass.id, None, "mode")


async def close_comments(request: Request) -> Response:
    """The kill switch: POST ``fermer`` = ``1`` closes and hides every comment, ``0`` restores."""
    asker, form = await posted(request)
    klass = await managed_class(asker, path_id(request, "class_id"))
    closed = form_text(form, "fermer", 1) != "0"
    await asker.store.blog.set_comments_closed(klass.id, closed)
    return redirect_back(request, form, klass.id, None, "fermes" if closed else "ouverts")


async def set_post_comments(request: Request) -> Response:
    """POST ``mode``: classe (follow the class), off, immediate or held, for this post."""
    asker, post, form = await taught_post(request)
    await asker.store.blog.set_post_comments_mode(post.id, _mode_field(form, allow_class=True))
    return redirect_back(request, form, post.class_id, post.id, "mode")
