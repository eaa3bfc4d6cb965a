"""The teacher's class screens: roster, pairs, sign-in sheet, pictures, parents.

Every handler loads the class from the database, checks MANAGE_CLASS with the policy,
and checks that every pupil id in the URL or form belongs to that class: a forged id
gets 404, another teacher's class 403.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import segno
from starlette.requests import Request
from starlette.responses import Response

from collab.accounts.administration import add_pupil, create_adult
from collab.accounts.pairing import random_groups
from collab.accounts.sign_in import PICTURES, picture_names, random_pictures
from collab.accounts.sign_in_views import guard_of
from collab.errors import InvalidInput, NotSignedIn
from collab.models import Role
from collab.people import clean_name
from collab.policy import Action
from collab.web.access import OnClass, load_class
from collab.web.notices import notice, notice_of, redirect_with_notice
from collab.web.pages import form_text, hub_of, render

MAX_PASTED_PUPILS = 40


def _back(request: Request, ctx: OnClass, view: str, code: str, count: int | None = None) -> Response:
    """Back to a class page, with a notice code (see collab.web.notices)."""
    return redirect_with_notice(request, request.url_for(view, class_id=ctx.klass.id), code, count)


# -- roster ----------------------------------------------------------------------------------


async def class_roster(request: Request) -> Response:
    ctx = await load_class(request)
    return await _roster(request, ctx, notice_of(request))


async def _roster(request: Request, ctx: OnClass, notice: str, new_password: str = "") -> Response:
    credentials = {p.id: await ctx.store.accounts.get_credentials(p.id) for p in ctx.pupils}
    return render(
        request,
        "teacher/roster.html",
        {
            "klass": ctx.klass,
            "pupils": ctx.pupils,
            "credentials": credentials,
            "parents": await ctx.store.schools.parent_links(ctx.klass.id),
            "notice": notice,
            "new_password": new_password,
        },
        session=ctx.session,
    )


async def add_pupils(request: Request) -> Response:
    """POST: one name (``name``) or a pasted list, one pupil per line (``names``)."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    raw = form_text(form, "names", 4000) or form_text(form, "name")
    names = [n for n in (clean_name(line) for line in raw.splitlines()) if n]
    if not names:
        raise InvalidInput("Écrivez au moins un prénom.")
    if len(names) + len(ctx.pupils) > MAX_PASTED_PUPILS:
        raise InvalidInput(f"Une classe compte au plus {MAX_PASTED_PUPILS} élèves.")
    for name in names:
        await add_pupil(ctx.store, ctx.klass, name)
    return _back(request, ctx, "class_roster", "eleves-ajoutes", len(names))


async def rename_pupil(request: Request) -> Response:
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    pupil = ctx.pupil(request.path_params["pupil_id"])
    name = clean_name(form_text(form, "name"))
    if not name:
        raise InvalidInput("Le prénom ne peut pas être vide.")
    await ctx.store.accounts.rename(pupil.id, name)
    return _back(request, ctx, "class_roster", "prenom")


async def remove_pupil(request: Request) -> Response:
    """Take a pupil out of the class (the account and its texts stay; deletion is the admin's)."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    pupil = ctx.pupil(request.path_params["pupil_id"])
    await ctx.store.schools.remove_pupil(ctx.klass.id, pupil.id)
    await hub_of(request).recheck_access([pupil.id])  # their open texts of this class close now (4403)
    return _back(request, ctx, "class_roster", "eleve-retire")


async def reset_pictures(request: Request) -> Response:
    """New pictures: whoever knew the old ones (or holds a session or token) is signed out."""
    form = await request.form()
    ctx = await load_class(request, Action.PUPIL_SIGN_IN, form)
    pupil = ctx.pupil(request.path_params["pupil_id"])
    await ctx.store.accounts.set_pictures(pupil.id, random_pictures())  # also unlocks
    await ctx.store.sessions.revoke_all(pupil.id)
    await ctx.store.accounts.revoke_tokens(pupil.id)
    hub_of(request).revoke_access(pupil.id, NotSignedIn("new pictures"))
    return _back(request, ctx, "class_roster", "images")


async def unlock_pupil(request: Request) -> Response:
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    pupil = ctx.pupil(request.path_params["pupil_id"])
    await ctx.store.accounts.clear_failed_sign_ins(pupil.id)
    return _back(request, ctx, "class_roster", "debloque")


async def link_parent(request: Request) -> Response:
    """POST: link a parent account to a pupil; a new account gets a password shown once."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    pupil = ctx.pupil(form.get("pupil_id"))
    login = form_text(form, "login", 80).lower()
    name = clean_name(form_text(form, "name"))
    if not login:
        raise InvalidInput("Indiquez l'identifiant du parent.")
    parent = await ctx.store.accounts.get_user_by_login(login)
    password = ""
    if parent is None:
        if not name:
            raise InvalidInput("Ce parent n'a pas encore de compte : indiquez aussi son nom.")
        parent, password = await create_adult(
            ctx.store, login, name, Role.PARENT, hasher=guard_of(request).passwords.hash
        )
    elif parent.role is not Role.PARENT:
        raise InvalidInput("Cet identifiant appartient déjà à un compte qui n'est pas un parent.")
    await ctx.store.schools.link_parent(parent.id, pupil.id)
    if not password:
        return _back(request, ctx, "class_roster", "parent-relie")
    # A new account: show its password on this page once, never in a URL.
    return await _roster(request, ctx, notice("parent-relie-a", name=pupil.display_name), password)


# -- pairs -----------------------------------------------------------------------------------


async def class_pairs(request: Request) -> Response:
    ctx = await load_class(request)
    pairs = await ctx.store.pairs.current_pairs(ctx.klass.id)
    apart = await ctx.store.pairs.kept_apart(ctx.klass.id)
    names = {p.id: p.display_name for p in ctx.pupils}
    group_of = {m.id: pair.number for pair in pairs for m in pair.members}
    return render(
        request,
        "teacher/pairs.html",
        {
            "klass": ctx.klass,
            "pupils": ctx.pupils,
            "pairs": pairs,
            "group_of": group_of,
            "apart": sorted(tuple(sorted(names.get(i, "?") for i in pair)) for pair in apart),
            "apart_ids": sorted(tuple(sorted(pair)) for pair in apart),
            "notice": notice_of(request),
        },
        session=ctx.session,
    )


async def random_pairs(request: Request) -> Response:
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    apart = await ctx.store.pairs.kept_apart(ctx.klass.id)
    groups = random_groups([p.id for p in ctx.pupils], apart, random.Random())
    await _arrange(request, ctx, groups)
    return _back(request, ctx, "class_pairs", "binomes-hasard")


async def arrange_pairs(request: Request) -> Response:
    """POST: ``group-<pupil id>`` = group number for every pupil (arranged by hand)."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    groups: dict[int, list[int]] = {}
    for pupil in ctx.pupils:
        raw = form_text(form, f"group-{pupil.id}", 4)
        if not raw:
            continue
        try:
            number = int(raw)
        except ValueError as exc:
            raise InvalidInput("Chaque numéro de binôme doit être un nombre.") from exc
        groups.setdefault(number, []).append(pupil.id)
    if any(len(g) > 3 for g in groups.values()):
        raise InvalidInput("Un groupe compte au plus trois élèves.")
    apart = await ctx.store.pairs.kept_apart(ctx.klass.id)
    for group in groups.values():
        if any(frozenset((a, b)) in apart for a in group for b in group if a < b):
            raise InvalidInput("Deux élèves que vous voulez séparer sont dans le même binôme.")
    await _arrange(request, ctx, [groups[n] for n in sorted(groups)])
    return _back(request, ctx, "class_pairs", "binomes")


async def _arrange(request: Request, ctx: OnClass, groups: Sequence[Sequence[int]]) -> None:
    """Make these groups the class's pairs; open connections follow the rights that result."""
    await ctx.store.pairs.arrange(ctx.klass.id, groups)
    await hub_of(request).recheck_access(p.id for p in ctx.pupils)


async def keep_apart(request: Request) -> Response:
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    a = ctx.pupil(form.get("a"))
    b = ctx.pupil(form.get("b"))
    if a.id == b.id:
        raise InvalidInput("Choisissez deux élèves différents.")
    together = form.get("together") == "1"
    await ctx.store.pairs.keep_apart(ctx.klass.id, a.id, b.id, apart=not together)
    return _back(request, ctx, "class_pairs", "separation" if not together else "separation-retiree")


# -- sign-in sheet ---------------------------------------------------------------------------


async def sign_in_sheet(request: Request) -> Response:
    """A printable sheet: one card per pupil with the class code, a QR code and the pictures
    (the class's teachers only: the pictures open the pupils' accounts). An archived class's
    sheet says so, without cards: nobody signs in there any more."""
    ctx = await load_class(request, Action.READ_CLASS_WORK)
    class_url = str(request.url_for("class_names", code=ctx.klass.code))
    if not ctx.klass.archived:
        ctx = await load_class(request, Action.PUPIL_SIGN_IN)
    cards = []
    for pupil in [] if ctx.klass.archived else ctx.pupils:
        pictures = (await ctx.store.accounts.get_credentials(pupil.id)).pictures or ()
        sign_in_url = str(request.url_for("pictures_page", code=ctx.klass.code, pupil_id=pupil.id))
        cards.append(
            {
                "pupil": pupil,
                "pictures": [PICTURES[n - 1] for n in pictures],
                "names": picture_names(pictures),
                "qr": _qr_svg(sign_in_url),
            }
        )
    return render(
        request,
        "teacher/sheet.html",
        {"klass": ctx.klass, "cards": cards, "class_url": class_url},
        session=ctx.session,
    )


def _qr_svg(url: str) -> str:
    svg: str = segno.make(url, error="m").svg_inline(scale=3, border=2)
    return svg
