"""The one access loader (collab.web.access) under attack: forged ids of every kind (a class, a
task, a document, a file, a pupil, a school) get the status they always got, whoever forges
them, and a burst of parallel forged requests changes nothing."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.data import school_id
from tests.support.server import REPO, ServerThread
from tests.support.web import AsWho, DemoSchool, csrf_from

HTML = {"accept": "text/html"}
NO_SUCH_ID = 987654
FORGED_IDS = ("abc", "-1", "1e3", "99999999999999999999", str(NO_SUCH_ID))


def _statuses(client: TestClient, urls: list[str]) -> dict[str, int]:
    return {url: client.get(url, headers=HTML).status_code for url in urls}


def test_another_classs_teacher_gets_403_and_forged_ids_404(as_who: AsWho, school: DemoSchool) -> None:
    stranger = as_who("other teacher")  # teaches the CE2 of the same school, not the demo class
    klass, task, doc, media = school.class_id, school.dictation_task_id, school.lea_doc, school.demo_media_id
    refused = [
        f"/enseignant/classe/{klass}",
        f"/enseignant/classe/{klass}/binomes",
        f"/enseignant/classe/{klass}/taches",
        f"/enseignant/classe/{klass}/mediatheque",
        f"/enseignant/classe/{klass}/fiches",
        f"/enseignant/tache/{task}/suivi",
        f"/enseignant/tache/{task}/tableau",
        f"/enseignant/tache/{task}/export.pdf",
        f"/enseignant/texte/{doc}",
        f"/enseignant/document/{doc}/replay",
        f"/ecrire/{doc}",
        f"/media/{media}",
        f"/blog/classe/{klass}/moderation",
    ]
    assert _statuses(stranger, refused) == dict.fromkeys(refused, 403)
    missing = [
        *(f"/enseignant/classe/{raw}" for raw in FORGED_IDS),
        *(f"/enseignant/tache/{raw}/suivi" for raw in FORGED_IDS),
        *(f"/media/{raw}" for raw in FORGED_IDS),
        f"/enseignant/texte/{'d' * 101}",
        "/enseignant/texte/pas-un-texte",
        "/enseignant/document/pas-un-texte/replay",
        "/ecrire/pas-un-texte",
        f"/enseignant/classe/{school.other_class_id}/mediatheque/{NO_SUCH_ID}/phrases",
    ]
    assert _statuses(stranger, missing) == dict.fromkeys(missing, 404)


def test_a_pupil_forging_teacher_urls_is_refused(as_who: AsWho, school: DemoSchool) -> None:
    lea = as_who("lea")
    urls = [
        f"/enseignant/classe/{school.class_id}",
        f"/enseignant/tache/{school.dictation_task_id}/suivi",
        f"/enseignant/texte/{school.lea_doc}",
        f"/enseignant/document/{school.lea_doc}/replay",
        f"/ecrire/{school.other_pair_doc}",  # another pair's text of her own class
    ]
    assert _statuses(lea, urls) == dict.fromkeys(urls, 403)


def test_ids_forged_inside_forms_are_404(as_who: AsWho, school: DemoSchool, settings: Settings) -> None:
    teacher = as_who("teacher")
    roster = f"/enseignant/classe/{school.class_id}"
    csrf = csrf_from(teacher.get(roster).text)
    # A pupil of another class, in the address of her own class's form: 404, nothing renamed.
    renamed = teacher.post(f"{roster}/eleves/{school.other_class_pupil_id}/prenom", data={"csrf": csrf, "name": "X"})
    assert renamed.status_code == 404
    linked = teacher.post(
        f"{roster}/parents", data={"csrf": csrf, "pupil_id": str(school.other_class_pupil_id), "login": "p.martin"}
    )
    assert linked.status_code == 404
    # A class of another school in the administrator's form.
    admin = as_who("admin")
    page = f"/admin/ecole/{school_id(settings)}"
    token = csrf_from(admin.get(page, headers=HTML).text)
    created = admin.post(
        f"{page}/enseignants",
        data={"csrf": token, "class_id": str(school.other_school_class_id), "login": "x.y", "name": "X"},
    )
    assert created.status_code == 404
    # Another school's page, a forged school and a forged pupil (RGPD).
    other_school = f"/admin/ecole/{school_id(settings) + 1}"
    assert admin.get(other_school, headers=HTML).status_code == 403
    assert admin.get(f"/admin/ecole/{NO_SUCH_ID}", headers=HTML).status_code == 404
    assert admin.get(f"/admin/eleve/{NO_SUCH_ID}", headers=HTML).status_code == 404


def test_the_form_token_is_checked_before_the_thing_is_loaded(as_who: AsWho, school: DemoSchool) -> None:
    """A post without its token is 403 even for a forged id: the loader says nothing of what exists."""
    teacher = as_who("teacher")
    for url in (
        f"/enseignant/classe/{NO_SUCH_ID}/eleves",
        f"/enseignant/tache/{NO_SUCH_ID}/bareme",
        f"/media/{NO_SUCH_ID}/nom",
        "/enseignant/texte/pas-un-texte/commentaire",
        f"/blog/classe/{NO_SUCH_ID}/reglage",
    ):
        assert teacher.post(url, data={"csrf": "forged"}).status_code == 403, url


def test_signed_out_requests_are_401(client: TestClient, school: DemoSchool) -> None:
    for url in (
        f"/enseignant/classe/{school.class_id}",
        f"/enseignant/tache/{school.dictation_task_id}/suivi",
        f"/enseignant/texte/{school.lea_doc}",
        f"/media/{school.demo_media_id}",
    ):
        assert client.get(url).status_code == 401, url


@pytest.mark.anyio
async def test_parallel_forged_requests_change_nothing(
    school: DemoSchool, server: ServerThread, as_who: AsWho, http: httpx.AsyncClient
) -> None:
    stranger = as_who("other teacher")
    http.cookies.set("binome_session", stranger.cookies["binome_session"])
    own_roster = f"/enseignant/classe/{school.other_class_id}"
    csrf = csrf_from(stranger.get(own_roster).text)  # a valid token: only the rights refuse
    roster = f"/enseignant/classe/{school.class_id}"
    posts = [
        (f"{roster}/eleves/{school.lea_id}/prenom", {"csrf": csrf, "name": "Pirate"}),
        (f"{roster}/eleves/{school.lea_id}/retirer", {"csrf": csrf}),
        (f"{roster}/eleves", {"csrf": csrf, "names": "Intrus"}),
        (f"/enseignant/tache/{school.dictation_task_id}/terminer", {"csrf": csrf}),
        (f"/media/{school.demo_media_id}/supprimer", {"csrf": csrf}),
        (f"/enseignant/texte/{school.lea_doc}/commentaire", {"csrf": csrf, "body": "Pirate"}),
        (f"{own_roster}/eleves/{school.lea_id}/prenom", {"csrf": csrf, "name": "Pirate"}),  # not in his class
    ]
    store = server.hub.store
    before = await server.call(store.tasks.get(school.dictation_task_id))
    answers = await asyncio.gather(*(http.post(url, data=data) for _ in range(6) for url, data in posts))
    for answer in answers:
        expected = 404 if answer.url.path.startswith(own_roster) else 403
        assert answer.status_code == expected, answer.url
    teacher = as_who("teacher")
    page = teacher.get(roster).text
    assert "Pirate" not in page and "Intrus" not in page and "Léa" in page
    assert teacher.get(f"/media/{school.demo_media_id}").status_code == 200
    assert "Pirate" not in teacher.get(f"/enseignant/texte/{school.lea_doc}").text
    assert await server.call(store.tasks.get(school.dictation_task_id)) == before  # not ended


#: The views: every module that answers an HTTP request with a page, a file or a redirect.
VIEWS = sorted(
    {
        *(REPO / "collab").rglob("*views.py"),
        *(REPO / "collab" / "blog").glob("*.py"),
        *(REPO / "collab" / "web" / name for name in ("home.py", "api.py", "live.py", "health.py")),
    }
)
#: What only collab.web.access may do: open a session, check a form's token, load the facts
#: the policy reads; and what no view does: reach the database through the hub.
BY_HAND = re.compile(r"require_session\(|check_csrf\(|load_principal\(|hub(_of\([a-z]+\))?\.store\b")


def test_views_load_who_asks_only_through_the_access_loader() -> None:
    assert len(VIEWS) > 15
    for view in VIEWS:
        found = BY_HAND.search(view.read_text(encoding="utf-8"))
        assert found is None, f"{view.relative_to(REPO)}: {found.group(0) if found else ''}"
