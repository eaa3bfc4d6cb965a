"""The class médiathèque: upload, list, rename, delete, and serve files with Range requests."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from collab.accounts.class_views import ClassContext, class_context
from collab.errors import InvalidInput, NotFound, TooLarge
from collab.mediatheque.files import MediaLibrary
from collab.models import Media, MediaTarget, Session, StoredFile
from collab.people import clean_name
from collab.policy import Action, require
from collab.store import Store
from collab.web.auth import CSRF_FIELD, authenticate, check_csrf, require_session
from collab.web.downloads import EXTENSIONS, download_headers, file_name
from collab.web.notices import notice_of, with_notice
from collab.web.pages import hub_of, path_id, render


def _library(request: Request) -> MediaLibrary:
    library: MediaLibrary = request.app.state.media
    return library


def _shelf(media: Media) -> MediaTarget:
    return MediaTarget(media.school_id, media.class_id)


async def mediatheque(request: Request) -> Response:
    ctx = await class_context(request)
    return await _page(request, ctx, notice_of(request))


async def _page(request: Request, ctx: ClassContext, notice: str, status: int = 200, error: str = "") -> Response:
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
    ctx = await class_context(request)
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
    return RedirectResponse(with_notice(url, "fichier-depose"), status_code=303)


async def _received(request: Request, ctx: ClassContext) -> tuple[StoredFile, MediaTarget, str]:
    """The uploaded file, checked and stored; where it goes and its name."""
    async with request.form(max_files=1, max_fields=10) as form:
        check_csrf(form.get(CSRF_FIELD), ctx.session.csrf_token)
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            raise InvalidInput("Choisissez un fichier à déposer.")
        shared = form.get("shelf") == "school"
        target = MediaTarget(ctx.klass.school_id, None if shared else ctx.klass.id)
        require(await ctx.store.accounts.load_principal(ctx.session.user), Action.MANAGE_MEDIA, target)
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


async def _managed_media(request: Request) -> tuple[Session, Store, Media]:
    store = hub_of(request).store
    session = await require_session(store, request)
    form = await request.form()
    check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    media = await _media_from_path(request, store)
    require(await store.accounts.load_principal(session.user), Action.MANAGE_MEDIA, _shelf(media))
    request.state.form = form
    return session, store, media


async def _media_from_path(request: Request, store: Store) -> Media:
    media_id = path_id(request, "media_id")
    media = await store.media.get(media_id)
    if media is None:
        raise NotFound(f"no file {media_id}")
    return media


def _back_to(request: Request) -> str:
    """Where to return: the class page the form came from (only ever a class id)."""
    raw = request.state.form.get("class_id")
    if isinstance(raw, str) and raw.isdigit():
        return str(request.url_for("mediatheque", class_id=int(raw)))
    return str(request.url_for("home"))


async def rename(request: Request) -> Response:
    _, store, media = await _managed_media(request)
    raw = request.state.form.get("name")
    name = clean_name(raw) if isinstance(raw, str) else ""
    if not name:
        raise InvalidInput("Le nom ne peut pas être vide.")
    await store.media.rename(media.id, name)
    return RedirectResponse(with_notice(_back_to(request), "fichier-renomme"), status_code=303)


async def delete(request: Request) -> Response:
    _, store, media = await _managed_media(request)
    if await store.tasks.media_in_use(media.id):
        raise InvalidInput(f"« {media.name} » sert à une tâche : il est gardé.")
    if await store.media.delete(media.id):
        await _library(request).remove(media.sha256)
    return RedirectResponse(with_notice(_back_to(request), "fichier-supprime"), status_code=303)


async def serve(request: Request) -> Response:
    """GET /media/{id}: the file, with Range support (seeking on tablets), to its class only."""
    store = hub_of(request).store
    user = await authenticate(store, request)
    media = await _media_from_path(request, store)
    require(await store.accounts.load_principal(user), Action.READ_MEDIA, _shelf(media))
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
