"""The school administrator's screens: classes, teacher accounts, class lists from CSV, the
yearly roll-over, and a pupil's data (RGPD export and erasure, with a confirmation step).

Admins manage accounts; they never see pupils' texts on screen (the RGPD export is a file
handed to the family).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collab.accounts import administration
from collab.accounts.sign_in_views import guard_of
from collab.errors import InvalidInput, NotFound, NotSignedIn
from collab.models import CommuneTarget, Level, PupilTarget, Role, School, SchoolTarget, Session, User
from collab.policy import Action, require
from collab.settings import MAX_IMPORT_BYTES
from collab.store import Store
from collab.web.auth import CSRF_FIELD, check_csrf, require_session
from collab.web.downloads import download_headers, file_name
from collab.web.notices import notice_of, with_notice
from collab.web.pages import form_text, hub_of, path_id, render


@dataclass(frozen=True)
class SchoolContext:
    session: Session
    store: Store
    school: School


async def _school_context(request: Request, form: FormData | None = None) -> SchoolContext:
    store = hub_of(request).store
    session = await require_session(store, request)
    if form is not None:
        check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    school = await store.schools.get_school(path_id(request, "school_id"))
    if school is None:
        raise NotFound("no such school")
    principal = await store.accounts.load_principal(session.user)
    require(principal, Action.MANAGE_SCHOOL, SchoolTarget(school.id))
    return SchoolContext(session, store, school)


async def _school_page(request: Request, ctx: SchoolContext, notice: str = "", **extra: object) -> Response:
    classes = await ctx.store.schools.list_classes(ctx.school.id, include_archived=True)
    teachers = {k.id: await ctx.store.schools.list_teachers(k.id) for k in classes}
    counts = {k.id: len(await ctx.store.schools.list_pupils(k.id)) for k in classes}
    query = request.query_params.get("q", "")[:60]
    found = await ctx.store.schools.find_pupils(frozenset({ctx.school.id}), query) if query else []
    return render(
        request,
        "admin/school.html",
        {
            "school": ctx.school,
            "classes": classes,
            "teachers": teachers,
            "counts": counts,
            "levels": list(Level),
            "query": query,
            "found": found,
            "notice": notice or notice_of(request),
            **extra,
        },
        session=ctx.session,
    )


async def school_page(request: Request) -> Response:
    return await _school_page(request, await _school_context(request))


def _back(request: Request, ctx: SchoolContext, notice: str, count: int | None = None) -> Response:
    url = request.url_for("admin_school", school_id=ctx.school.id)
    return RedirectResponse(with_notice(url, notice, count), status_code=303)


async def create_class(request: Request) -> Response:
    form = await request.form()
    ctx = await _school_context(request, form)
    name, level, year = form_text(form, "name", 60), form_text(form, "level", 20), form_text(form, "year", 20)
    if not name or level not in {lv.value for lv in Level} or not year:
        raise InvalidInput("Indiquez le nom, le niveau et l'année scolaire de la classe.")
    await ctx.store.schools.ensure_class(ctx.school.id, name, level, year)
    return _back(request, ctx, "classe-creee")


async def _school_class(ctx: SchoolContext, raw: object) -> int:
    try:
        class_id = int(str(raw))
    except ValueError as exc:
        raise NotFound("no such class") from exc
    klass = await ctx.store.schools.get_class(class_id)
    if klass is None or klass.school_id != ctx.school.id:
        raise NotFound(f"class {class_id} is not in school {ctx.school.id}")
    return klass.id


async def create_teacher(request: Request) -> Response:
    form = await request.form()
    ctx = await _school_context(request, form)
    class_id = await _school_class(ctx, form.get("class_id"))
    teacher, password = await administration.create_adult(
        ctx.store,
        form_text(form, "login", 80),
        form_text(form, "name", 60),
        Role.TEACHER,
        hasher=guard_of(request).passwords.hash,
    )
    await ctx.store.schools.add_teacher(class_id, teacher.id)
    return await _school_page(
        request, ctx, f"compte enseignant {teacher.login} créé", new_account=(teacher.login, password)
    )


async def import_class(request: Request) -> Response:
    """POST (multipart): a CSV class list for one class of this school."""
    ctx = await _school_context(request)  # who is asking, before the body is read
    async with request.form(max_files=1, max_fields=10, max_part_size=MAX_IMPORT_BYTES) as form:
        check_csrf(form.get(CSRF_FIELD), ctx.session.csrf_token)
        class_id = await _school_class(ctx, form.get("class_id"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Choisissez le fichier CSV de la liste de classe.")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    klass = await ctx.store.schools.get_class(class_id)
    assert klass is not None
    pupils = await administration.import_class_list(ctx.store, klass, data)
    return _back(request, ctx, "eleves-importes", len(pupils))


async def roll_over(request: Request) -> Response:
    form = await request.form()
    ctx = await _school_context(request, form)
    year = form_text(form, "year", 20)
    if form.get("confirm") != "oui" or not year:
        raise InvalidInput("Cochez la case de confirmation pour archiver les classes de l'année.")
    classes = [k for k in await ctx.store.schools.list_classes(ctx.school.id) if k.school_year == year]
    pupils = {p.id for k in classes for p in await ctx.store.schools.list_pupils(k.id)}
    archived = await ctx.store.schools.archive_year(ctx.school.id, year)
    await hub_of(request).recheck_access(pupils)  # nobody writes in an archived class from now on
    return _back(request, ctx, "classes-archivees", archived)


async def create_school(request: Request) -> Response:
    """POST /admin/commune/{commune_id}/ecoles: a commune's administrator creates a school."""
    store = hub_of(request).store
    form = await request.form()
    session = await require_session(store, request)
    check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    commune_id = path_id(request, "commune_id")
    commune = await store.schools.commune_name(commune_id)
    if commune is None:
        raise NotFound("no such commune")
    require(await store.accounts.load_principal(session.user), Action.MANAGE_COMMUNE, CommuneTarget(commune_id))
    name = form_text(form, "name", 100)
    if not name:
        raise InvalidInput("Indiquez le nom de l'école.")
    school = await store.schools.ensure_school(commune, name)
    return RedirectResponse(request.url_for("admin_school", school_id=school.id), status_code=303)


# -- a pupil's data (RGPD) --------------------------------------------------------------------


async def _pupil_context(request: Request, form: FormData | None = None) -> tuple[Session, Store, User]:
    store = hub_of(request).store
    session = await require_session(store, request)
    if form is not None:
        check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    pupil = await store.accounts.get_user(path_id(request, "pupil_id"))
    if pupil is None or pupil.role is not Role.PUPIL:
        raise NotFound("no such pupil")
    classes = await store.schools.classes_of_pupil(pupil.id)
    target = PupilTarget(pupil.id, frozenset(c.id for c in classes), frozenset(c.school_id for c in classes))
    require(await store.accounts.load_principal(session.user), Action.MANAGE_PUPIL_DATA, target)
    return session, store, pupil


async def pupil_page(request: Request) -> Response:
    session, store, pupil = await _pupil_context(request)
    data = await administration.pupil_data(store, pupil)
    classes = await store.schools.classes_of_pupil(pupil.id)
    return render(request, "admin/pupil.html", {"pupil": pupil, "data": data, "classes": classes}, session=session)


async def export_pupil(request: Request) -> Response:
    """The pupil's data as a zip, texts included: the one place where an administrator gets
    pupils' texts (for the family, RGPD); every export is logged and kept in the audit log."""
    session, store, pupil = await _pupil_context(request)
    await administration.audit(store, session.user.id, session.user.login, "export", pupil)
    archive = await administration.export_pupil(store, pupil)
    return Response(
        archive,
        media_type="application/zip",
        headers=download_headers(file_name(f"données de {pupil.display_name} ({pupil.login})", ".zip")),
    )


async def delete_pupil(request: Request) -> Response:
    """POST: erase the pupil after the admin typed the login again (the confirmation step)."""
    form = await request.form()
    session, store, pupil = await _pupil_context(request, form)
    if form_text(form, "confirm", 100) != pupil.login:
        data = await administration.pupil_data(store, pupil)
        classes = await store.schools.classes_of_pupil(pupil.id)
        context = {
            "pupil": pupil,
            "data": data,
            "classes": classes,
            "error": "Recopiez exactement l'identifiant de l'élève pour confirmer la suppression.",
        }
        return render(request, "admin/pupil.html", context, session=session, status=400)
    data = await administration.pupil_data(store, pupil)
    hub = hub_of(request)
    # Her connections first: nothing she sends from now on is stored, so the erasure below also
    # reaches the edits already on their way (forget_documents waits for the update log).
    hub.revoke_access(pupil.id, NotSignedIn("account erased"))
    await hub.forget_documents(data.solo_ids)
    await administration.audit(store, session.user.id, session.user.login, "delete", pupil)
    await administration.delete_pupil(store, pupil)
    hub.agreements.member_erased(data.kept_ids, pupil.id)  # the partners agree on their own now
    return render(request, "admin/deleted.html", {"pupil": pupil, "data": data}, session=session)


def admin_routes() -> list[Route]:
    post = ["POST"]
    school = "/admin/ecole/{school_id}"
    pupil = "/admin/eleve/{pupil_id}"
    return [
        Route("/admin/commune/{commune_id}/ecoles", create_school, methods=post, name="admin_create_school"),
        Route(school, school_page, name="admin_school"),
        Route(school + "/classes", create_class, methods=post, name="admin_create_class"),
        Route(school + "/enseignants", create_teacher, methods=post, name="admin_create_teacher"),
        Route(school + "/import", import_class, methods=post, name="admin_import_class"),
        Route(school + "/annee", roll_over, methods=post, name="admin_roll_over"),
        Route(pupil, pupil_page, name="admin_pupil"),
        Route(pupil + "/export", export_pupil, name="admin_export_pupil"),
        Route(pupil + "/supprimer", delete_pupil, methods=post, name="admin_delete_pupil"),
    ]
