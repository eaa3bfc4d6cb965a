"""After class: the teacher's follow-up of a task (every text side by side, the dictation
correction, annotations, comments, the marking scheme), the pupils' own correction once their
text is published, and second drafts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collab.correction.correct import Category
from collab.errors import Forbidden, InvalidInput, NotFound
from collab.followup.productions import (
    CATEGORY_NAMES,
    DETAIL_NAMES,
    MARKING_NAMES,
    Production,
    TaskMarking,
    error_label,
    production,
    productions,
    task_marking,
)
from collab.models import ANNOTATION_NAMES, MAX_COMMENT, DocumentTarget, Role, Session, Task, TaskGroup
from collab.policy import Action
from collab.store.followup import ANNOTATION_KINDS, MARKINGS
from collab.web.access import load_document, load_task
from collab.web.notices import notice_of, redirect_with_notice
from collab.web.pages import form_text, hub_of, path_id, render, store_of
from collab.writing.drafts import draft_name, start_next_draft

MAX_NOTE = 300
MAX_WORD = 60

NAMES = {
    "categories": CATEGORY_NAMES,
    "details": DETAIL_NAMES,
    "error_label": error_label,
    "annotation_names": ANNOTATION_NAMES,
    "markings": MARKING_NAMES,
    "draft_name": draft_name,
}


# -- a task's texts ------------------------------------------------------------------------------


#: Renders a page of the task in the URL: ``page(template, **context)``.
TaskPage = Callable[..., Response]


async def task_texts(request: Request) -> tuple[list[Production], TaskMarking, TaskPage]:
    """The texts of the task in the URL (its teacher only), how they are marked, and how to render
    a page about them."""
    hub = hub_of(request)
    on = await load_task(request, Action.READ_CLASS_WORK)
    session, task, klass = on.session, on.task, on.klass
    marking = await task_marking(hub, task)
    items = await productions(hub, task, marking)

    def page(template: str, **context: Any) -> Response:
        return render(request, template, {**NAMES, "task": task, "klass": klass, **context}, session=session)

    return items, marking, page


async def follow_up(request: Request) -> Response:
    """Every pair's text of a task side by side, with its correction and score."""
    items, marking, page = await task_texts(request)
    return page(
        "teacher/followup.html",
        items=items,
        marking=marking.marking,
        variants=marking.accepted,
        notice=_notice(request),
    )


async def set_marking(request: Request) -> Response:
    form = await request.form()
    on = await load_task(request, Action.TEACH_CLASS, form)
    task, store = on.task, on.asker.store
    marking = form_text(form, "marking", 20)
    if marking not in MARKINGS:
        raise InvalidInput("Choisissez un barème de la liste.")
    await store.follow_up.set_marking(task.id, marking)
    return _back_to_task(request, task, "bareme")


async def variants(request: Request) -> Response:
    """POST ``expected``, ``got`` and ``action`` (accept / refuse): a spelling accepted for the task."""
    form = await request.form()
    on = await load_task(request, Action.TEACH_CLASS, form)
    task, store = on.task, on.asker.store
    expected, got = _word(form, "expected"), _word(form, "got")
    if form_text(form, "action", 10) == "refuse":
        await store.follow_up.refuse_variant(task.id, expected, got)
        return _back_to_task(request, task, "variante-retiree")
    await store.follow_up.accept_variant(task.id, expected, got)
    return _back_to_task(request, task, "variante-acceptee")


def _word(form: FormData, name: str) -> str:
    value = form_text(form, name, MAX_WORD + 1)
    if not value or len(value) > MAX_WORD:
        raise InvalidInput("Écrivez le mot attendu et la variante acceptée (60 caractères au plus).")
    return value


def _notice(request: Request) -> str:
    return notice_of(request)


def _back_to_task(request: Request, task: Task, notice: str) -> Response:
    return redirect_with_notice(request, request.url_for("follow_up", task_id=task.id), notice)


# -- one text, for its teacher ------------------------------------------------------------------


async def _assignment(request: Request, doc_id: str) -> tuple[Task | None, TaskGroup | None]:
    found = await store_of(request).tasks.assignment(doc_id)
    return found if found is not None else (None, None)


async def text_page(request: Request) -> Response:
    """One text for its teacher: the correction to check, annotations and a comment to add."""
    on = await load_document(request, Action.READ_FOLLOW_UP)
    session, target, store = on.session, on.target, on.asker.store
    task, group = await _assignment(request, target.document.id)
    item = await production(hub_of(request), target.document.id, task, group)
    klass = await store.schools.get_class(target.class_id) if target.class_id is not None else None
    return render(
        request,
        "teacher/text.html",
        {
            **NAMES,
            "item": item,
            "task": task,
            "klass": klass,
            "read_only": not await on.asker.can(Action.FOLLOW_UP, target),  # an archived class's text
            "annotation_kinds": ANNOTATION_KINDS,
            "category_choices": [c.value for c in Category],
            "notice": _notice(request),
        },
        session=session,
    )


async def _text_form(request: Request) -> tuple[Session, DocumentTarget, FormData]:
    form = await request.form()
    on = await load_document(request, Action.FOLLOW_UP, form)
    return on.session, on.target, form


def _span(form: FormData, text: str) -> tuple[int, int]:
    try:
        start, end = int(form_text(form, "start", 10)), int(form_text(form, "end", 10))
    except ValueError:
        raise InvalidInput("Choisissez des mots du texte.") from None
    if not 0 <= start <= end <= len(text):
        raise InvalidInput("Ces mots ne sont pas dans le texte.")
    return start, end


def _back_to_text(request: Request, doc_id: str, notice: str) -> Response:
    return redirect_with_notice(request, request.url_for("text_page", doc_id=doc_id), notice)


async def override(request: Request) -> Response:
    """POST ``start``, ``end``, ``found`` (the automatic category of the mistake, for a word that
    carries two) and ``category``: a category, ``ok`` (not a mistake) or ``auto`` (back to the
    automatic correction). Without ``found``, the choice is about every mistake of the words."""
    store = store_of(request)
    session, target, form = await _text_form(request)
    item = await _production(request, target)
    if item.post is None:
        raise InvalidInput("Le binôme écrit encore ce texte : la correction se règle quand il est rendu.")
    start, end = _span(form, item.text)
    about = form_text(form, "found", 20)
    errors = item.automatic.errors if item.automatic is not None else []
    if not any((e.start, e.end) == (start, end) and about in ("", e.category) for e in errors):
        raise InvalidInput("La correction automatique n'a rien trouvé à cet endroit.")
    choice = form_text(form, "category", 20)
    if choice == "auto":
        await store.follow_up.clear_override(item.doc_id, start, end, about)
    elif choice == "ok" or choice in CATEGORY_NAMES:
        decision = None if choice == "ok" else choice
        await store.follow_up.override(item.doc_id, start, end, about, decision, session.user.id)
    else:
        raise InvalidInput("Choisissez une catégorie de la liste.")
    return _back_to_text(request, item.doc_id, "correction")


async def _production(request: Request, target: DocumentTarget) -> Production:
    task, group = await _assignment(request, target.document.id)
    return await production(hub_of(request), target.document.id, task, group)


async def annotate(request: Request) -> Response:
    """POST ``start``, ``end``, ``kind`` and an optional ``note``: a typed annotation on some words."""
    session, target, form = await _text_form(request)
    item = await _production(request, target)
    start, end = _span(form, item.text)
    if start == end:
        raise InvalidInput("Sélectionnez au moins une lettre du texte.")
    kind = form_text(form, "kind", 20)
    if kind not in ANNOTATION_KINDS:
        raise InvalidInput("Choisissez un type d'annotation de la liste.")
    note = form_text(form, "note", MAX_NOTE)
    await store_of(request).follow_up.annotate(
        item.doc_id, start, end, item.text[start:end], kind, note, session.user.id
    )
    return _back_to_text(request, item.doc_id, "annotation")


async def remove_annotation(request: Request) -> Response:
    _, target, _ = await _text_form(request)
    if not await store_of(request).follow_up.remove_annotation(target.document.id, path_id(request, "annotation_id")):
        raise NotFound("no such annotation")
    return _back_to_text(request, target.document.id, "annotation-retiree")


async def comment(request: Request) -> Response:
    """POST ``body``: the teacher's comment on the text (empty removes it)."""
    session, target, form = await _text_form(request)
    body = form_text(form, "body", MAX_COMMENT + 1)
    if len(body) > MAX_COMMENT:
        raise InvalidInput(f"Un commentaire fait {MAX_COMMENT} caractères au plus.")
    await store_of(request).follow_up.set_comment(target.document.id, body, session.user.id)
    return _back_to_text(request, target.document.id, "commentaire" if body else "commentaire-retire")


# -- the pupils' side ------------------------------------------------------------------------------


async def own_correction(request: Request) -> Response:
    """A pupil's published text with its correction and, for a dictation, the reference."""
    on = await load_document(request, Action.READ_OWN_CORRECTION)
    session, target = on.session, on.target
    item = await _production(request, target)
    if item.post is None or not item.post.published:
        raise Forbidden("the reference stays hidden until the text is published")
    return render(request, "pupil/correction.html", {**NAMES, "item": item}, session=session)


async def next_draft(request: Request) -> Response:
    """POST: start (or reopen) the next draft of a published text: the pair, or their teacher
    sending it back. Pupils go to write it; the teacher back to the text."""
    form = await request.form()
    on = await load_document(request, Action.START_DRAFT, form)
    session = on.session
    document = await start_next_draft(hub_of(request), on.doc_id)
    if session.user.role is Role.PUPIL:
        return RedirectResponse(str(request.url_for("writing_room", doc_id=document.id)), status_code=303)
    return _back_to_text(request, document.id, "jet-suivant")


def follow_up_routes() -> list[Route]:
    return [
        Route("/enseignant/tache/{task_id}/suivi", follow_up, name="follow_up"),
        Route("/enseignant/tache/{task_id}/bareme", set_marking, methods=["POST"], name="set_marking"),
        Route("/enseignant/tache/{task_id}/variantes", variants, methods=["POST"], name="variants"),
        Route("/enseignant/texte/{doc_id}", text_page, name="text_page"),
        Route("/enseignant/texte/{doc_id}/correction", override, methods=["POST"], name="override"),
        Route("/enseignant/texte/{doc_id}/annotations", annotate, methods=["POST"], name="annotate"),
        Route(
            "/enseignant/texte/{doc_id}/annotations/{annotation_id}/retirer",
            remove_annotation,
            methods=["POST"],
            name="remove_annotation",
        ),
        Route("/enseignant/texte/{doc_id}/commentaire", comment, methods=["POST"], name="teacher_comment"),
        Route("/texte/{doc_id}/correction", own_correction, name="own_correction"),
        Route("/texte/{doc_id}/jet-suivant", next_draft, methods=["POST"], name="next_draft"),
    ]
