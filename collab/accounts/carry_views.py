"""The school year: carry pupils of a past year's class into this year's class.

After the roll-over, a class of this year takes pupils from an archived class of the same
school: they keep their account (login, pictures, parents); their texts of last year stay in
the archived class, where nobody writes any more. Who may: whoever manages the new class
(its teachers, the school's admins), from a past class they may read (a teacher: one they
taught; an admin: any of the school's).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from collab.accounts.class_views import MAX_PASTED_PUPILS
from collab.errors import InvalidInput, NotFound
from collab.models import ClassTarget, SchoolClass, SchoolTarget
from collab.policy import Action
from collab.web.access import OnClass, load_class
from collab.web.notices import redirect_with_notice
from collab.web.pages import render


async def _past_classes(ctx: OnClass) -> list[SchoolClass]:
    """The archived classes of the school whose pupils this user may carry, newest year first."""
    school_admin = await ctx.asker.can(Action.MANAGE_SCHOOL, SchoolTarget(ctx.klass.school_id))
    classes = await ctx.store.schools.list_classes(ctx.klass.school_id, include_archived=True)
    return [
        c
        for c in classes
        if c.archived and (school_admin or await ctx.asker.can(Action.READ_CLASS_WORK, ClassTarget.of(c)))
    ]


async def carry_page(request: Request) -> Response:
    """The past years' classes, each pupil with a box (ticked unless already in a class this year)."""
    ctx = await load_class(request)
    past = []
    for klass in await _past_classes(ctx):
        pupils = await ctx.store.schools.list_pupils(klass.id)
        now_in = await ctx.store.schools.current_classes_of([p.id for p in pupils])
        past.append((klass, pupils, now_in))
    return render(request, "teacher/carry.html", {"klass": ctx.klass, "past": past}, session=ctx.session)


async def carry_pupils(request: Request) -> Response:
    """POST ``from`` (an archived class) and ``pupil`` (ids, repeated): they join this class."""
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    raw = form.get("from")
    source = next((c for c in await _past_classes(ctx) if str(c.id) == raw), None)
    if source is None:
        raise NotFound(f"no past class {raw!r} to take pupils from")
    members = {p.id for p in await ctx.store.schools.list_pupils(source.id)}
    wanted: list[int] = []
    for value in form.getlist("pupil"):
        if not isinstance(value, str) or not value.isdigit() or int(value) not in members:
            raise NotFound(f"pupil {value!r} is not in class {source.id}")
        wanted.append(int(value))
    if not wanted:
        raise InvalidInput("Cochez au moins un élève à reprendre.")
    if len(wanted) + len(ctx.pupils) > MAX_PASTED_PUPILS:
        raise InvalidInput(f"Une classe compte au plus {MAX_PASTED_PUPILS} élèves.")
    joined = await ctx.store.schools.carry_pupils(ctx.klass.id, wanted)
    url = request.url_for("class_roster", class_id=ctx.klass.id)
    return redirect_with_notice(request, url, "eleves-repris", joined)
