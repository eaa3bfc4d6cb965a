"""A task's productions for the teacher's bag: a page to print, a PDF, the scores as CSV and the
class's error profile."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collab.followup.exports import productions_pdf, profile_svg, scores_csv
from collab.followup.productions import class_profile, productions, references
from collab.followup.views import task_texts
from collab.models import Task
from collab.policy import Action
from collab.web.access import load_task
from collab.web.downloads import download_headers, file_name
from collab.web.pages import hub_of


def _file_name(task: Task, class_name: str, extension: str) -> str:
    """« Dictée - le marché (CM1 Durand).pdf »: the task's title and the class, accents kept."""
    return file_name(f"{task.title} ({class_name})", extension)


async def export_page(request: Request) -> Response:
    items, _, page = await task_texts(request)
    return page("teacher/export.html", items=items, references=references(items))


async def export_pdf(request: Request) -> Response:
    hub = hub_of(request)
    on = await load_task(request, Action.READ_CLASS_WORK)
    task, klass = on.task, on.klass
    pdf = await asyncio.to_thread(productions_pdf, task.title, klass.name, await productions(hub, task))
    return Response(
        pdf,
        media_type="application/pdf",
        headers=download_headers(_file_name(task, klass.name, ".pdf")),
    )


async def export_csv(request: Request) -> Response:
    hub = hub_of(request)
    on = await load_task(request, Action.READ_CLASS_WORK)
    task, klass = on.task, on.klass
    return Response(
        scores_csv(await productions(hub, task)),
        media_type="text/csv; charset=utf-8",
        headers=download_headers(_file_name(task, klass.name, " - notes.csv")),
    )


async def error_profile(request: Request) -> Response:
    items, _, page = await task_texts(request)
    totals, texts = class_profile(items)
    return page(
        "teacher/profile.html",
        chart=profile_svg(totals, texts),
        totals=sorted(totals.items(), key=lambda kv: -kv[1]),
        texts=texts,
    )


def export_routes() -> list[Route]:
    return [
        Route("/enseignant/tache/{task_id}/export", export_page, name="export_page"),
        Route("/enseignant/tache/{task_id}/export.pdf", export_pdf, name="export_pdf"),
        Route("/enseignant/tache/{task_id}/notes.csv", export_csv, name="export_csv"),
        Route("/enseignant/tache/{task_id}/profil", error_profile, name="error_profile"),
    ]
