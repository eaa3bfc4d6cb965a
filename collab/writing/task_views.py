"""Writing tasks: the teacher creates a dictation or a free writing for all pairs or for
groups of pairs (each with its own instructions, audio and reference), then locks or unlocks
one pair's document or all of them."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collab.errors import InvalidInput, NotFound
from collab.models import DocStatus, Media, MediaKind, NewGroup
from collab.people import clean_name
from collab.policy import Action
from collab.states import text_state
from collab.web.access import OnClass, load_class, load_task
from collab.web.notices import notice_of, redirect_with_notice
from collab.web.pages import form_text, hub_of, render, store_of

GROUP_LABELS = ("A", "B", "C")
MAX_TEXT = 5000


def parse_local_time(raw: str) -> float | None:
    """``2026-11-24T09:30`` (an HTML datetime-local field, the school's time) → timestamp."""
    if not raw:
        return None
    try:
        return time.mktime(time.strptime(raw, "%Y-%m-%dT%H:%M"))
    except ValueError as exc:
        raise InvalidInput("La date n'est pas lisible.") from exc


async def _class_audio(ctx: OnClass) -> list[Media]:
    """The recordings a task of this class may use: its own and the school's shelf."""
    files = await ctx.store.media.list_for_class(ctx.klass.id, ctx.klass.school_id)
    return [m for m in files if m.kind is MediaKind.AUDIO]


async def task_list(request: Request) -> Response:
    ctx = await load_class(request, Action.READ_CLASS_WORK)
    return await _page(request, ctx, notice_of(request))


async def _page(request: Request, ctx: OnClass, notice: str) -> Response:
    tasks = await ctx.store.tasks.list_for_class(ctx.klass.id)
    pairs = await ctx.store.pairs.current_pairs(ctx.klass.id)
    all_pairs = {p.id: p for p in await ctx.store.pairs.pairs_of_class(ctx.klass.id)}
    audio = await _class_audio(ctx)
    documents = {task.id: await ctx.store.tasks.documents(task.id) for task in tasks}
    facts = await ctx.store.tasks.text_facts([d.doc_id for docs in documents.values() for d in docs])
    now = time.time()
    states = {doc_id: text_state(f, now) for doc_id, f in facts.items()}
    return render(
        request,
        "teacher/tasks.html",
        {
            "klass": ctx.klass,
            "tasks": tasks,
            "documents": documents,
            "states": states,
            "pairs": pairs,
            "all_pairs": all_pairs,
            "audio": audio,
            "labels": GROUP_LABELS,
            "notice": notice,
        },
        session=ctx.session,
    )


async def create_task(request: Request) -> Response:
    form = await request.form()
    ctx = await load_class(request, Action.MANAGE_CLASS, form)
    kind = form_text(form, "kind", 20)
    if kind not in ("dictation", "free"):
        raise InvalidInput("Choisissez une dictée ou une écriture libre.")
    title = clean_name(form_text(form, "title", 100))
    if not title:
        raise InvalidInput("Donnez un titre à la tâche.")
    opens_at, closes_at = (
        parse_local_time(form_text(form, "opens_at", 20)),
        parse_local_time(form_text(form, "closes_at", 20)),
    )
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise InvalidInput("La fermeture doit venir après l'ouverture.")
    pairs = await ctx.store.pairs.current_pairs(ctx.klass.id)
    if not pairs:
        raise InvalidInput("Formez d'abord les binômes de la classe.")
    audio_ids = {m.id for m in await _class_audio(ctx)}
    groups = []
    for label in GROUP_LABELS:
        members = [p.id for p in pairs if form_text(form, f"pair-{p.id}", 2) == label]
        if not members:
            continue
        media_raw = form_text(form, f"media-{label}", 12)
        media_id = int(media_raw) if media_raw.isdigit() else None
        if media_id is not None and media_id not in audio_ids:
            raise NotFound(f"audio {media_id} is not in this class's médiathèque")
        reference = form_text(form, f"reference-{label}", MAX_TEXT)
        if kind == "dictation" and (media_id is None or not reference):
            raise InvalidInput(f"Groupe {label} : une dictée a besoin d'un enregistrement et du texte de référence.")
        groups.append(NewGroup(label, form_text(form, f"instructions-{label}", MAX_TEXT), media_id, reference, members))
    if not groups:
        raise InvalidInput("Choisissez au moins un binôme pour cette tâche.")
    await ctx.store.tasks.create(
        class_id=ctx.klass.id,
        kind=kind,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=ctx.session.user.id,
        groups=groups,
    )
    url = request.url_for("task_list", class_id=ctx.klass.id)
    return redirect_with_notice(request, url, "tache-creee")


async def lock_task(request: Request) -> Response:
    """POST: ``action`` = lock or unlock, for every document of the task or (``doc_id`` in the
    URL) for one pair's. Writers of a locked document are disconnected with 4409. The class's
    teachers only, never an administrator; nobody once the class is archived."""
    hub = hub_of(request)
    form = await request.form()
    task = (await load_task(request, Action.TEACH_CLASS, form)).task
    action = form_text(form, "action", 10)
    if action not in ("lock", "unlock"):
        raise InvalidInput("Choisissez : mettre en pause ou reprendre.")
    documents = await store_of(request).tasks.documents(task.id)
    wanted = request.path_params.get("doc_id")
    if wanted is not None:
        documents = [d for d in documents if d.doc_id == wanted]
        if not documents:
            raise NotFound(f"{wanted} is not a document of task {task.id}")
    wanted_status, changed = (DocStatus.LOCKED if action == "lock" else DocStatus.OPEN), 0
    for document in documents:
        if document.status in (DocStatus.PUBLISHED.value, wanted_status.value):
            continue  # a published text stays published; one already so is not counted again
        await hub.set_status(document.doc_id, wanted_status)
        changed += 1
    url = request.url_for("task_list", class_id=task.class_id)
    done = "textes-verrouilles" if action == "lock" else "textes-deverrouilles"
    return redirect_with_notice(request, url, done, changed)


def task_routes() -> list[Route]:
    post = ["POST"]
    return [
        Route("/enseignant/classe/{class_id}/taches", task_list, name="task_list"),
        Route("/enseignant/classe/{class_id}/taches", create_task, methods=post, name="create_task"),
        Route("/enseignant/tache/{task_id}/verrou", lock_task, methods=post, name="lock_task"),
        Route("/enseignant/tache/{task_id}/document/{doc_id}/verrou", lock_task, methods=post, name="lock_document"),
    ]
