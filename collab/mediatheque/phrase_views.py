"""The teacher checks the phrases of a recording: listen to each, move a cut, merge two
phrases, split one, or go back to the automatic cuts."""

from __future__ import annotations

import math

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collab.errors import InvalidInput, NotFound
from collab.mediatheque.files import MediaLibrary
from collab.mediatheque.phrases import merge_with_next, move_cut, phrases_of, split_at
from collab.models import Media, MediaKind
from collab.policy import Action
from collab.web.access import OnClass, load_class, shelf
from collab.web.notices import notice_of, redirect_with_notice
from collab.web.pages import form_text, path_id, render


async def _recording(request: Request, ctx: OnClass) -> Media:
    """A recording on this class's shelf or on its school's shared shelf."""
    media_id = path_id(request, "media_id")
    media = await ctx.store.media.get(media_id)
    if media is None or media.kind is not MediaKind.AUDIO or media.duration is None:
        raise NotFound(f"no recording {media_id}")
    if media.class_id != ctx.klass.id and not (media.class_id is None and media.school_id == ctx.klass.school_id):
        raise NotFound(f"recording {media_id} is not on class {ctx.klass.id}'s shelves")
    await ctx.asker.require(Action.MANAGE_MEDIA, shelf(media))
    return media


async def phrases_page(request: Request) -> Response:
    ctx = await load_class(request)
    media = await _recording(request, ctx)
    return render(
        request,
        "teacher/phrases.html",
        {
            "klass": ctx.klass,
            "media": media,
            "phrases": phrases_of(media.cuts, media.duration or 0.0),
            "notice": notice_of(request),
        },
        session=ctx.session,
    )


def _seconds(form: FormData, name: str) -> float:
    raw = form_text(form, name, 20).replace(",", ".")
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidInput("Écrivez un temps en secondes, par exemple 12,5.") from exc
    if not math.isfinite(value):
        raise InvalidInput("Écrivez un temps en secondes, par exemple 12,5.")
    return value


def _number(form: FormData, name: str) -> int:
    raw = form_text(form, name, 6)
    if not raw.isdigit():
        raise InvalidInput("Ce segment n'existe pas.")
    return int(raw)


async def edit_phrases(request: Request) -> Response:
    """POST ``action`` = ``move`` (``cut``, ``at``), ``merge`` (``segment``), ``split`` (``at``)
    or ``detect`` (the automatic cuts again)."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    media = await _recording(request, ctx)
    duration = media.duration or 0.0
    action = form_text(form, "action", 10)
    if action == "move":
        cuts, notice = move_cut(media.cuts, _number(form, "cut"), _seconds(form, "at"), duration), "coupure-deplacee"
    elif action == "merge":
        cuts, notice = merge_with_next(media.cuts, _number(form, "segment")), "phrases-reunies"
    elif action == "split":
        cuts, notice = split_at(media.cuts, _seconds(form, "at"), duration), "phrase-coupee"
    elif action == "detect":
        library: MediaLibrary = request.app.state.media
        cuts, notice = list(await library.detect_cuts(media.sha256)), "decoupage-auto"
    else:
        raise InvalidInput("Action inconnue.")
    await ctx.store.media.set_cuts(media.id, cuts)
    url = request.url_for("media_phrases", class_id=ctx.klass.id, media_id=media.id)
    return redirect_with_notice(request, url, notice)


def phrase_routes() -> list[Route]:
    path = "/enseignant/classe/{class_id}/mediatheque/{media_id}/phrases"
    return [
        Route(path, phrases_page, name="media_phrases"),
        Route(path, edit_phrases, methods=["POST"], name="edit_media_phrases"),
    ]
