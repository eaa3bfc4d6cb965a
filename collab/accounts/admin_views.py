"""The school administrator's screens: classes, teacher accounts, class lists from CSV, the
yearly roll-over, and a pupil's data (RGPD export and erasure, with a confirmation step).

Admins manage accounts; they never see pupils' texts on screen (the RGPD export is a file
handed to the family).
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collab.accounts import administration
from collab.accounts.sign_in_views import guard_of
from collab.errors import InvalidInput, NotSignedIn
from collab.models import Level, Role
from collab.settings import MAX_IMPORT_BYTES
from collab.web.access import OnSchool, check_form, load_commune, load_pupil, load_school
from collab.web.downloads import download_headers, file_name
from collab.web.notices import notice, notice_of, redirect_with_notice
from collab.web.pages import form_text, hub_of, render


async def _school_page(request: Request, ctx: OnSchool, notice: str = "", **extra: object) -> Response:
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
    return await _school_page(request, await load_school(request))


def _back(request: Request, ctx: OnSchool, notice: str, count: int | None = None) -> Response:
    url = request.url_for("admin_school", school_id=ctx.school.id)
    return redirect_with_notice(request, url, notice, count)


async def create_class(request: Request) -> Response:
    form = await request.form()
    ctx = await load_school(request, form)
    name, level, year = form_text(form, "name", 60), form_text(form, "level", 20), form_text(form, "year", 20)
    if not name or level not in {lv.value for lv in Level} or not year:
        raise InvalidInput("Indiquez le nom, le niveau et l'année scolaire de la classe.")
    await ctx.store.schools.ensure_class(ctx.school.id, name, level, year)
    return _back(request, ctx, "classe-creee")


async def create_teacher(request: Request) -> Response:
    form = await request.form()
    ctx = await load_school(request, form)
    klass = await ctx.school_class(form.get("class_id"))
    teacher, password = await administration.create_adult(
        ctx.store,
        form_text(form, "login", 80),
        form_text(form, "name", 60),
        Role.TEACHER,
        hasher=guard_of(request).passwords.hash,
    )
    await ctx.store.schools.add_teacher(klass.id, teacher.id)
    shown = notice("compte-enseignant", login=teacher.login)
    return await _school_page(request, ctx, shown, new_account=(teacher.login, password))


async def import_class(request: Request) -> Response:
    """POST (multipart): a CSV class list for one class of this school."""
    ctx = await load_school(request)  # who is asking, before the body is read
    async with request.form(max_files=1, max_fields=10, max_part_size=MAX_IMPORT_BYTES) as form:
        check_form(request, form, ctx.asker)
        klass = await ctx.school_class(form.get("class_id"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Choisissez le fichier CSV de la liste de classe.")
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    pupils = await administration.import_class_list(ctx.store, klass, data)
    return _back(request, ctx, "eleves-importes", len(pupils))


async def roll_over(request: Request) -> Response:
    form = await request.form()
    ctx = await load_school(request, form)
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
    form = await request.form()
    asker, commune = await load_commune(request, form)
    name = form_text(form, "name", 100)
    if not name:
        raise InvalidInput("Indiquez le nom de l'école.")
    school = await asker.store.schools.ensure_school(commune, name)
    return RedirectResponse(request.url_for("admin_school", school_id=school.id), status_code=303)


# -- a pupil's data (RGPD) --------------------------------------------------------------------


async def pupil_page(request: Request) -> Response:
    asker, pupil = await load_pupil(request)
    session, store = asker.session, asker.store
    data = await administration.pupil_data(store, pupil)
    classes = await store.schools.classes_of_pupil(pupil.id)
    return render(request, "admin/pupil.html", {"pupil": pupil, "data": data, "classes": classes}, session=session)


async def export_pupil(request: Request) -> Response:
    """The pupil's data as a zip, texts included: the one place where an administrator gets
    pupils' texts (for the family, RGPD); every export is logged and kept in the audit log."""
    asker, pupil = await load_pupil(request)
    session, store = asker.session, asker.store
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
    asker, pupil = await load_pupil(request, form)
    session, store = asker.session, asker.store
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
    request.app.state.agreements.member_erased(data.kept_ids, pupil.id)  # the partners agree on their own now
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
