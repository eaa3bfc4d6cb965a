"""« Mon mot de passe »: an adult changes their own password; their other sessions, tokens and
open connections are closed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collab.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, new_password
from collab.accounts.sign_in import device_token
from collab.accounts.sign_in_views import guard_of
from collab.errors import AccountLocked, AdultsOnly, NotSignedIn, WrongCredentials
from collab.models import Role, Session
from collab.web.access import posted, signed_in
from collab.web.pages import form_text, hub_of, render


def _adult(session: Session) -> Session:
    if session.user.role is Role.PUPIL:
        raise AdultsOnly(f"pupil {session.user.id} has no password")
    return session


def _page(request: Request, session: Session, status: int = 200, **context: object) -> Response:
    values = {"suggestion": new_password(), "min_length": MIN_PASSWORD_LENGTH, **context}
    return render(request, "auth/password.html", values, session=session, status=status)


async def password_page(request: Request) -> Response:
    session = _adult((await signed_in(request)).session)
    return _page(request, session)


def _new_password_problem(current: str, new: str, again: str) -> str | None:
    if len(new) < MIN_PASSWORD_LENGTH:
        return f"Le nouveau mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
    if len(new) > MAX_PASSWORD_LENGTH:
        return f"Le nouveau mot de passe doit compter au plus {MAX_PASSWORD_LENGTH} caractères."
    if new != again:
        return "Les deux nouveaux mots de passe ne sont pas identiques. Tapez-le deux fois de la même façon."
    if new == current:
        return "Le nouveau mot de passe doit être différent de l'actuel."
    return None


async def change_password(request: Request) -> Response:
    """POST: the current password, the new one twice. The current one is checked behind the same
    throttle as the sign-in; on success the account's other sessions are revoked."""
    asker, form = await posted(request)
    session, store = _adult(asker.session), asker.store
    limit = MAX_PASSWORD_LENGTH + 1
    current = form_text(form, "current", limit)
    new, again = form_text(form, "new", limit), form_text(form, "again", limit)
    problem = _new_password_problem(current, new, again)
    if problem is not None:
        return _page(request, session, 400, error=problem)
    guard = guard_of(request)
    try:
        await guard.check(store, session.user.id, device_token(request), password=current)
    except AccountLocked as exc:
        return _page(request, session, exc.status, error=exc.adult_message)
    except WrongCredentials:
        return _page(request, session, 401, error="Ce n'est pas votre mot de passe actuel. Rien n'a été changé.")
    await store.accounts.set_password_hash(session.user.id, await guard.passwords.hash(new))
    closed = await store.sessions.revoke_others(session.user.id, session.token)
    # Whoever knew the old password may have tokens or open connections: they end now.
    await store.accounts.revoke_tokens(session.user.id)
    hub_of(request).revoke_access(session.user.id, NotSignedIn("password changed"), keep=session.credential)
    return _page(request, session, changed=True, closed=closed)
