"""Signing in and out: adults with a login and a password, pupils with their class code,
their name and three pictures.

Every secret is checked behind the atomic per-account throttle of collab/credentials.py, and every
class-code lookup behind the per-client budget of unknown codes (collab/store/throttles.py): a
scan is stopped after ``COLLAB_CLASS_CODE_MISSES`` wrong codes, while right codes cost nothing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from collab.accounts.sign_in import PICTURE_COUNT, PICTURES, SignInGuard, device_token
from collab.errors import (
    AccountLocked,
    ArchivedClassCode,
    ClassCodesBlocked,
    NotFound,
    NotSignedIn,
    WrongCredentials,
)
from collab.models import Role, SchoolClass, User
from collab.web.access import posted, sign_in_form
from collab.web.auth import clear_session_cookie, current_session, set_session_cookie
from collab.web.pages import form_text, hub_of, path_id, render, store_of


def guard_of(request: Request) -> SignInGuard:
    guard: SignInGuard = request.app.state.sign_in
    return guard


async def _open_session(request: Request, user: User) -> Response:
    store = store_of(request)
    token, _ = await store.sessions.create(user.id)
    response = RedirectResponse(request.url_for("home"), status_code=303)
    set_session_cookie(response, request.app.state.settings, token)
    await guard_of(request).remember_device(store, request, response, user.id)
    return response


async def sign_in_page(request: Request) -> Response:
    session = await current_session(store_of(request), request)
    if session is not None:
        return RedirectResponse(request.url_for("home"), status_code=303)
    return render(request, "auth/sign_in.html")


async def sign_in(request: Request) -> Response:
    """POST /connexion: an adult's login and password."""
    store = store_of(request)
    form = await sign_in_form(request)
    login, password = form_text(form, "login"), form_text(form, "password")
    user = await store.accounts.get_user_by_login(login) if login else None
    guard = guard_of(request)
    try:
        if user is None or user.role is Role.PUPIL:
            await guard.check_unknown(login, password)  # the same argon2 work: no hint that the login exists
        else:
            await guard.check(store, user.id, device_token(request), password=password)
    except AccountLocked as exc:
        context = {"error": exc.adult_message, "login": login}
        return _with_retry_after(render(request, "auth/sign_in.html", context, status=exc.status), exc.retry_after)
    except WrongCredentials as exc:
        context = {"error": exc.adult_message, "login": login}
        return render(request, "auth/sign_in.html", context, status=exc.status)
    assert user is not None
    return await _open_session(request, user)


def _with_retry_after(response: Response, seconds: float) -> Response:
    response.headers["retry-after"] = str(math.ceil(seconds))
    return response


def _code_throttled(view: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A view that looks up a class code: a client over its budget of unknown codes gets a French 429."""

    @functools.wraps(view)
    async def guarded(request: Request) -> Response:
        try:
            return await view(request)
        except ClassCodesBlocked as exc:
            request.app.state.metrics.sign_in_refused.labels(reason="class_codes").inc()
            page = render(request, "error.html", {"message": exc.public_message, "status": 429}, status=429)
            return _with_retry_after(page, exc.retry_after)

    return guarded


async def _look_up_class(request: Request, code: str) -> SchoolClass | None:
    """The class with this code, counting an unknown code against this client (ClassCodesBlocked)."""
    store, settings = store_of(request), request.app.state.settings
    client = request.client.host if request.client else ""
    found = await store.throttles.look_up_class_code(
        client,
        code,
        max_misses=settings.class_code_misses,
        window_seconds=settings.class_code_window_seconds,
    )
    if found.blocked:
        raise ClassCodesBlocked(found.retry_after)
    if found.klass is None and await store.schools.get_archived_class_by_code(code) is not None:
        raise ArchivedClassCode(f"class code {code!r} is archived")
    return found.klass


async def _class_for_code(request: Request) -> SchoolClass:
    code = str(request.path_params["code"])[:20]
    klass = await _look_up_class(request, code)
    if klass is None:
        raise NotFound(f"no class with code {code!r}")
    return klass


@_code_throttled
async def class_code(request: Request) -> Response:
    """GET /classe?code=…: the form on the sign-in page sends the class code here."""
    code = request.query_params.get("code", "").strip().upper()[:20]
    if not code:
        return RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    try:
        klass = await _look_up_class(request, code)
    except ArchivedClassCode as exc:
        return render(request, "auth/sign_in.html", {"code_error": exc.public_message, "code": code}, status=exc.status)
    if klass is None:
        return render(
            request,
            "auth/sign_in.html",
            {"code_error": "Ce code de classe n'existe pas. Vérifie-le.", "code": code},
            status=404,
        )
    return RedirectResponse(request.url_for("class_names", code=klass.code), status_code=303)


@_code_throttled
async def class_names(request: Request) -> Response:
    """GET /classe/{code}: the pupils of the class, to pick one's own name (also the QR target)."""
    klass = await _class_for_code(request)
    pupils = await store_of(request).schools.list_pupils(klass.id)
    return render(request, "auth/class_names.html", {"klass": klass, "pupils": pupils})


async def _pupil_of(request: Request, klass: SchoolClass) -> User:
    pupil_id = path_id(request, "pupil_id")
    pupils = await store_of(request).schools.list_pupils(klass.id)
    for pupil in pupils:
        if pupil.id == pupil_id:
            return pupil
    raise NotFound(f"pupil {pupil_id} is not in class {klass.id}")


@_code_throttled
async def pictures_page(request: Request) -> Response:
    klass = await _class_for_code(request)
    pupil = await _pupil_of(request, klass)
    return render(request, "auth/pictures.html", _pictures_context(klass, pupil))


def _pictures_context(klass: SchoolClass, pupil: User) -> dict[str, object]:
    return {"klass": klass, "pupil": pupil, "pictures": PICTURES, "picture_count": PICTURE_COUNT}


@_code_throttled
async def pictures_sign_in(request: Request) -> Response:
    """POST /classe/{code}/{pupil_id}: the three pictures, in order."""
    klass = await _class_for_code(request)
    pupil = await _pupil_of(request, klass)
    form = await sign_in_form(request)
    try:
        await guard_of(request).check(
            store_of(request), pupil.id, device_token(request), pictures=form_text(form, "pictures")
        )
    except (AccountLocked, WrongCredentials) as exc:
        context = _pictures_context(klass, pupil) | {"error": exc.public_message}
        page = render(request, "auth/pictures.html", context, status=exc.status)
        return _with_retry_after(page, exc.retry_after) if isinstance(exc, AccountLocked) else page
    return await _open_session(request, pupil)


async def sign_out(request: Request) -> Response:
    """POST /deconnexion (this device) and /deconnexion/partout (every device)."""
    hub = hub_of(request)
    asker, _ = await posted(request)
    session, store = asker.session, asker.store
    if request.url.path.endswith("/partout"):
        # Every session and bearer token of the account, and what they have open, at once.
        await store.sessions.revoke_all(session.user.id)
        await store.accounts.revoke_tokens(session.user.id)
        hub.revoke_access(session.user.id, NotSignedIn("signed out everywhere"))
    else:
        await store.sessions.revoke(session.token)
        hub.revoke_access(session.user.id, NotSignedIn("signed out"), credential=session.credential)
    response = RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    clear_session_cookie(response)
    return response
