"""The class médiathèque: upload, list, rename, delete, and serve files with Range requests."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from collab.errors import InvalidInput, TooLarge
from collab.mediatheque.files import MediaLibrary
from collab.models import Media, MediaTarget, StoredFile
from collab.people import clean_name
from collab.policy import Action
from collab.store import Store
from collab.web.access import OnClass, check_form, load_class, load_media, media_for
from collab.web.auth import authenticate
from collab.web.downloads import EXTENSIONS, download_headers, file_name
from collab.web.notices import notice_of, redirect_with_notice
from collab.web.pages import render, store_of


def _library(request: Request) -> MediaLibrary:
    library: MediaLibrary = request.app.state.media
    return library


async def mediatheque(request: Request) -> Response:
    ctx = await load_class(request)
    return await _page(request, ctx, notice_of(request))


async def _page(request: Request, ctx: OnClass, notice: str, status: int = 200, error: str = "") -> Response:
    files = await ctx.store.media.list_for_class(ctx.klass.id, ctx.klass.school_id)
    return render(
        request,
        "teacher/mediatheque.html",
        {
            "klass": ctx.klass,
            "files": files,
            "notice": notice,
            "error": error,
            "max_mb": _library(request).max_bytes // (1024 * 1024),
        },
        session=ctx.session,
        status=status,
    )


async def upload(request: Request) -> Response:
    """POST (multipart): ``file``, an optional ``name`` and ``shelf`` = ``class`` or ``school``.

    Who is asking is checked before the body is read (the body is capped while it streams, see
    collab.web.bodies): a stranger's upload is refused before its first byte."""
    ctx = await load_class(request)
    try:
        stored, target, name = await _received(request, ctx)
    except (InvalidInput, TooLarge) as exc:
        if "text/html" not in request.headers.get("accept", ""):
            raise  # the recorder's script reads the JSON error
        # The page of the form, with the reason (nothing was kept).
        return await _page(request, ctx, "", status=exc.status, error=exc.public_message)
    await ctx.store.media.add(
        stored,
        school_id=ctx.klass.school_id,
        class_id=target.class_id,
        name=name or "Sans titre",
        uploaded_by=ctx.session.user.id,
    )
    url = request.url_for("mediatheque", class_id=ctx.klass.id)
    return redirect_with_notice(request, url, "fichier-depose")


async def _received(request: Request, ctx: OnClass) -> tuple[StoredFile, MediaTarget, str]:
    """The uploaded file, checked and stored; where it goes and its name."""
    async with request.form(max_files=1, max_fields=10) as form:
        check_form(request, form, ctx.asker)
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            raise InvalidInput("Choisissez un fichier à déposer.")
        shared = form.get("shelf") == "school"
        target = MediaTarget(ctx.klass.school_id, None if shared else ctx.klass.id)
        await ctx.asker.require(Action.MANAGE_MEDIA, target)
        try:
            stored = await _library(request).store(upload_file)
        except (InvalidInput, TooLarge) as exc:
            shown = clean_name(_stem(upload_file.filename))
            which = f"« {shown} »" if shown else "Le fichier"
            refused = InvalidInput(f"{which} n'est pas déposé. {exc.public_message}")
            refused.status = exc.status
            raise refused from exc
        raw_name = form.get("name")
        name = clean_name(raw_name if isinstance(raw_name, str) and raw_name.strip() else _stem(upload_file.filename))
    return stored, target, name


def _stem(filename: str) -> str:
    """A display name from an uploaded file's name: no folders, no extension."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


async def _managed_media(request: Request) -> tuple[Store, Media]:
    form = await request.form()
    asker, media = await load_media(request, Action.MANAGE_MEDIA, form)
    request.state.form = form
    return asker.store, media


def _back_to(request: Request) -> str:
    """Where to return: the class page the form came from (only ever a class id)."""
    raw = request.state.form.get("class_id")
    if isinstance(raw, str) and raw.isdigit():
        return str(request.url_for("mediatheque", class_id=int(raw)))
    return str(request.url_for("home"))


async def rename(request: Request) -> Response:
    store, media = await _managed_media(request)
    raw = request.state.form.get("name")
    name = clean_name(raw) if isinstance(raw, str) else ""
    if not name:
        raise InvalidInput("Le nom ne peut pas être vide.")
    await store.media.rename(media.id, name)
    return redirect_with_notice(request, _back_to(request), "fichier-renomme")


async def delete(request: Request) -> Response:
    store, media = await _managed_media(request)
    if await store.tasks.media_in_use(media.id):
        raise InvalidInput(f"« {media.name} » sert à une tâche : il est gardé.")
    if await store.media.delete(media.id):
        await _library(request).remove(media.sha256)
    return redirect_with_notice(request, _back_to(request), "fichier-supprime")


async def serve(request: Request) -> Response:
    """GET /media/{id}: the file, with Range support (seeking on tablets), to its class only."""
    user = await authenticate(store_of(request), request)
    media = await media_for(request, user, Action.READ_MEDIA)
    return FileResponse(
        _library(request).path_for(media.sha256),
        media_type=media.mime,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            # « Enregistrer sous » proposes the name the teacher gave it, accents kept
            **download_headers(file_name(media.name, EXTENSIONS.get(media.mime, "")), inline=True),
        },
    )


def media_routes() -> list[Route]:
    post = ["POST"]
    return [
        Route("/enseignant/classe/{class_id}/mediatheque", mediatheque, name="mediatheque"),
        Route("/enseignant/classe/{class_id}/mediatheque", upload, methods=post, name="upload_media"),
        Route("/media/{media_id}", serve, name="media_file"),
        Route("/media/{media_id}/nom", rename, methods=post, name="rename_media"),
        Route("/media/{media_id}/supprimer", delete, methods=post, name="delete_media"),
    ]
