"""Signing in and out: adults with a login and a password, pupils with their class code,
their name and three pictures."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from collab.auth import (
    CSRF_FIELD,
    SIGN_IN_CSRF_COOKIE,
    check_csrf,
    clear_session_cookie,
    current_session,
    require_session,
    set_session_cookie,
)
from collab.credentials import PICTURE_COUNT, PICTURES, AccountLocked, WrongCredentials, check_sign_in
from collab.errors import NotFound, NotSignedIn
from collab.models import Role, SchoolClass, User
from collab.views.pages import form_text, hub_of, path_id, render


async def _open_session(request: Request, user: User) -> Response:
    hub = hub_of(request)
    token, _ = await hub.store.sessions.create(user.id)
    response = RedirectResponse(request.url_for("home"), status_code=303)
    set_session_cookie(response, request.app.state.settings, token)
    return response


async def sign_in_page(request: Request) -> Response:
    session = await current_session(hub_of(request).store, request)
    if session is not None:
        return RedirectResponse(request.url_for("home"), status_code=303)
    return render(request, "auth/sign_in.html")


async def sign_in(request: Request) -> Response:
    """POST /connexion: an adult's login and password."""
    hub = hub_of(request)
    form = await request.form()
    check_csrf(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE))
    login = form_text(form, "login")
    user = await hub.store.accounts.get_user_by_login(login) if login else None
    error = WrongCredentials().public_message
    status = 401
    if user is not None and user.role is not Role.PUPIL:
        try:
            await check_sign_in(hub.store, hub.settings, user.id, password=form_text(form, "password"))
        except AccountLocked as exc:
            error, status = exc.public_message, exc.status
        except WrongCredentials:
            pass
        else:
            return await _open_session(request, user)
    return render(request, "auth/sign_in.html", {"error": error, "login": login}, status=status)


async def _class_for_code(request: Request) -> SchoolClass:
    code = str(request.path_params["code"])[:20]
    klass = await hub_of(request).store.schools.get_class_by_code(code)
    if klass is None:
        raise NotFound(f"no class with code {code!r}")
    return klass


async def class_code(request: Request) -> Response:
    """GET /classe?code=…: the form on the sign-in page sends the class code here."""
    code = request.query_params.get("code", "").strip().upper()[:20]
    if not code:
        return RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    klass = await hub_of(request).store.schools.get_class_by_code(code)
    if klass is None:
        return render(
            request,
            "auth/sign_in.html",
            {"code_error": "Ce code de classe n'existe pas. Vérifie-le.", "code": code},
            status=404,
        )
    return RedirectResponse(request.url_for("class_names", code=klass.code), status_code=303)


async def class_names(request: Request) -> Response:
    """GET /classe/{code}: the pupils of the class, to pick one's own name (also the QR target)."""
    klass = await _class_for_code(request)
    pupils = await hub_of(request).store.schools.list_pupils(klass.id)
    return render(request, "auth/class_names.html", {"klass": klass, "pupils": pupils})


async def _pupil_of(request: Request, klass: SchoolClass) -> User:
    pupil_id = path_id(request, "pupil_id")
    pupils = await hub_of(request).store.schools.list_pupils(klass.id)
    for pupil in pupils:
        if pupil.id == pupil_id:
            return pupil
    raise NotFound(f"pupil {pupil_id} is not in class {klass.id}")


async def pictures_page(request: Request) -> Response:
    klass = await _class_for_code(request)
    pupil = await _pupil_of(request, klass)
    return render(request, "auth/pictures.html", _pictures_context(klass, pupil))


def _pictures_context(klass: SchoolClass, pupil: User) -> dict[str, object]:
    return {"klass": klass, "pupil": pupil, "pictures": PICTURES, "count": PICTURE_COUNT}


async def pictures_sign_in(request: Request) -> Response:
    """POST /classe/{code}/{pupil_id}: the three pictures, in order."""
    hub = hub_of(request)
    klass = await _class_for_code(request)
    pupil = await _pupil_of(request, klass)
    form = await request.form()
    check_csrf(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE))
    try:
        await check_sign_in(hub.store, hub.settings, pupil.id, pictures=form_text(form, "pictures"))
    except (AccountLocked, WrongCredentials) as exc:
        context = _pictures_context(klass, pupil) | {"error": exc.public_message}
        return render(request, "auth/pictures.html", context, status=exc.status)
    return await _open_session(request, pupil)


async def sign_out(request: Request) -> Response:
    """POST /deconnexion (this device) and /deconnexion/partout (every device)."""
    hub = hub_of(request)
    session = await require_session(hub.store, request)
    form = await request.form()
    check_csrf(form.get(CSRF_FIELD), session.csrf_token)
    if request.url.path.endswith("/partout"):
        # Every session and bearer token of the account, and what they have open, at once.
        await hub.store.sessions.revoke_all(session.user.id)
        await hub.store.accounts.revoke_tokens(session.user.id)
        hub.revoke_access(session.user.id, NotSignedIn("signed out everywhere"))
    else:
        await hub.store.sessions.revoke(session.token)
        hub.revoke_access(session.user.id, NotSignedIn("signed out"), credential=session.credential)
    response = RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    clear_session_cookie(response)
    return response
