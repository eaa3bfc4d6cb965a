"""The administrators' live page: what is going on now, per school, in counts only.

Built on the very figures ``/metrics`` serves (:meth:`collab.realtime.metrics.Metrics.samples`): rooms
open, connections and pupils writing per school, the slowest group commits of the last minutes,
frames refused by reason. A school's administrator sees their schools; a commune's administrator
their communes' schools and the server's totals. Never a text, never a name of a pupil.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collab.policy import live_scope
from collab.realtime.metrics import RECENT_SECONDS
from collab.web.access import signed_in
from collab.web.pages import render

#: Why a frame (or a connection) was refused, in words an administrator reads.
REFUSAL_LABELS = {
    "bad_message": "message illisible",
    "too_large": "message trop gros",
    "doc_too_large": "texte trop long",
    "read_only": "écriture sans droit d'écrire",
    "forbidden": "accès refusé",
    "rate_limited": "envois trop rapides",
    "too_many_connections": "trop de connexions d'une même personne",
    "slow_consumer": "tablette trop lente à recevoir",
    "locked": "texte fermé",
    "server_error": "erreur du serveur",
    "presence_too_large": "présence trop lourde",
    "presence_full": "salle pleine (présence)",
    "too_many_presences": "trop de présences annoncées",
    "forged_presence": "présence falsifiée",
    "archived_class": "classe archivée",
    "archived_class_code": "code d'une classe archivée",
    "body_too_large": "envoi trop gros",
    "conflict": "action déjà faite ou dépassée",
    "csrf": "formulaire périmé ou falsifié",
    "foreign_origin": "page d'un autre site",
    "invalid_input": "donnée invalide",
    "locked_account": "compte bloqué après trop d'essais",
    "not_connected": "texte pas encore connecté",
    "not_found": "texte ou page inconnus",
    "not_in_sync": "texte changé pendant l'accord",
    "not_signed_in": "personne non connectée",
    "wrong_credentials": "identifiants faux",
    "class_codes": "trop de codes de classe faux",
    "comments_closed": "commentaires fermés",
    "storage_unavailable": "base de données injoignable",
}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _refusals(samples: Samples, name: str, school: str | None = None) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for (sample, labels), value in samples.items():
        found = dict(labels)
        if sample == name and value > 0 and (school is None or found.get("school") == school):
            reason = found.get("reason", "")
            counts[reason] = counts.get(reason, 0) + int(value)
    return [
        {"reason": reason, "label": REFUSAL_LABELS.get(reason, reason), "count": count}
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def live_figures(samples: Samples, schools: list[tuple[int, str]], totals: bool) -> dict[str, Any]:
    """The page's figures for these schools (id, name), read from one collection of /metrics."""

    def value(name: str, school: int | None = None) -> float:
        labels = (("school", str(school)),) if school is not None else ()
        return samples.get((name, labels), 0.0)

    rows = [
        {
            "id": school_id,
            "name": name,
            "rooms": int(value("collab_school_rooms_open", school_id)),
            "connections": int(value("collab_school_connections", school_id)),
            "pupils_writing": int(value("collab_school_pupils_writing", school_id)),
            "refused": _refusals(samples, "collab_school_refused_frames_total", str(school_id)),
        }
        for school_id, name in schools
    ]
    figures: dict[str, Any] = {
        "schools": rows,
        "commits": {
            "count": int(value("collab_recent_commits")),
            "max_ms": round(value("collab_recent_commit_max_seconds") * 1000, 1),
            "p99_ms": round(value("collab_recent_commit_p99_seconds") * 1000, 1),
            "minutes": round(RECENT_SECONDS / 60),
        },
        "totals": None,
    }
    if totals:
        figures["totals"] = {
            "rooms": int(value("collab_rooms_open")),
            "connections": int(value("collab_connections")),
            "refused": _refusals(samples, "collab_refused_frames_total"),
        }
    return figures


async def _figures(request: Request) -> tuple[Any, dict[str, Any]]:
    asker = await signed_in(request)
    school_ids, totals = live_scope(await asker.principal())
    schools = [(s.id, s.name) for s in await asker.store.schools.list_schools(school_ids)]
    return asker.session, live_figures(request.app.state.metrics.samples(), schools, totals)


async def live_page(request: Request) -> Response:
    session, figures = await _figures(request)
    refresh = request.app.state.settings.live_refresh_seconds
    context = {"figures": figures, "refresh_ms": int(refresh * 1000)}
    return render(request, "admin/live.html", context, session=session)


async def live_data(request: Request) -> Response:
    _, figures = await _figures(request)
    return JSONResponse(figures, headers={"Cache-Control": "no-store"})


def live_routes() -> list[Route]:
    return [
        Route("/admin/en-direct", live_page, name="admin_live"),
        Route("/admin/en-direct.json", live_data, name="admin_live_data"),
    ]
