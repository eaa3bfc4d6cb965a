"""A doubly wrong word on the teacher's side (issue 16): her text page lists both of its mistakes, each with
its category, and the class's error profile counts both."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.bodies import MB, chunked_post
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.server import ServerThread
from tests.support.web import AsWho, DemoSchool, csrf_from

HTML = {"accept": "text/html"}
FORM = "application/x-www-form-urlencoded"
#: Léa and Noé's dictation with « pome » for « pommes »: a misspelt stem and a lost plural.
DOUBLY_WRONG = LEA_DICTATION.replace("les plus belles pommes", "les plus belles pome")


def _error_rows(page: str) -> list[tuple[str, str, str]]:
    """(written, expected, category label) of each row of « Les erreurs trouvées »."""
    rows = re.findall(
        r"<tr class=\"cat-[a-z]+\" data-error-row=\"\d+\">\s*<td>(.*?)</td><td>(.*?)</td>\s*<td>(.*?)</td>", page, re.S
    )
    return [(written, expected, re.sub(r"\s+", " ", label).strip()) for written, expected, label in rows]


def _profile(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", page)}


def test_the_teacher_sees_both_mistakes_of_a_word_and_the_profile_counts_them(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    teacher: TestClient = as_who("teacher")
    write_and_agree(settings, school, DOUBLY_WRONG)
    page = teacher.get(f"/enseignant/texte/{school.lea_doc}", headers=HTML).text
    rows = [row for row in _error_rows(page) if row[0] == "pome"]
    assert [label for _, _, label in rows] == ["orthographe du mot", "accord dans le groupe nominal"]
    assert {expected for _, expected, _ in rows} == {"pommes"}
    assert page.count('data-error="') >= 1 and "orthographe du mot : « pommes » ; accord : « pommes »" in page
    counts = dict(re.findall(r'<li class="count cat-[a-z]+">([^:]+) : <strong>(\d+)</strong>', page))
    profile = teacher.get(f"/enseignant/tache/{school.dictation_task_id}/profil", headers=HTML).text
    totals = _profile(profile)
    assert totals["orthographe du mot"] == int(counts["Orthographe du mot"]) == 2  # légummes, pome
    assert totals["accord"] == int(counts["Accord"]) == 2  # arrive, pome


def test_the_teacher_decides_about_one_mistake_of_a_doubly_wrong_word(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    """Accepting the agreement mistake of « pome » leaves its spelling mistake counted and marked
    as found; a form without ``found`` (an older page) is about both mistakes, as before."""
    teacher: TestClient = as_who("teacher")
    write_and_agree(settings, school, DOUBLY_WRONG)
    url = f"/enseignant/texte/{school.lea_doc}"
    page = teacher.get(url, headers=HTML).text
    start = DOUBLY_WRONG.index("pome")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "start": str(start), "end": str(start + 4), "category": "ok"}
    assert teacher.post(url + "/correction", data={**form, "found": "agreement"}).status_code == 303
    page = teacher.get(url, headers=HTML).text
    rows = [re.sub(r"<[^>]+>", "", label) for written, _, label in _error_rows(page) if written == "pome"]
    assert rows == ["orthographe du mot", "pas une erreur (automatique : accord)"]
    counts = dict(re.findall(r'<li class="count cat-[a-z]+">([^:]+) : <strong>(\d+)</strong>', page))
    assert int(counts["Orthographe du mot"]) == 2 and int(counts["Accord"]) == 1
    # a mistake the correction did not find there is refused, and nothing changes
    assert teacher.post(url + "/correction", data={**form, "found": "homophone"}).status_code == 400
    assert teacher.post(url + "/correction", data=form).status_code == 303  # no ``found``: the whole word
    page = teacher.get(url, headers=HTML).text
    assert [re.sub(r"<[^>]+>", "", label) for written, _, label in _error_rows(page) if written == "pome"] == [
        "pas une erreur (automatique : orthographe du mot)",
        "pas une erreur (automatique : accord)",
    ]


@pytest.mark.anyio
async def test_choices_about_one_mistake_under_attack(
    settings: Settings, school: DemoSchool, server: ServerThread, as_who: AsWho, http: httpx.AsyncClient
) -> None:
    """Many choices at once (right, forged and refused ones) leave one choice about one mistake;
    a huge body is refused; a session signed out everywhere changes nothing."""
    write_and_agree(settings, school, DOUBLY_WRONG)
    teacher: TestClient = as_who("teacher")
    page = teacher.get(f"/enseignant/texte/{school.lea_doc}", headers=HTML).text
    http.cookies.set("binome_session", teacher.cookies["binome_session"])
    url = f"/enseignant/texte/{school.lea_doc}/correction"
    start = DOUBLY_WRONG.index("pome")
    form = {"csrf": csrf_from(page), "start": str(start), "end": str(start + 4), "category": "ok"}
    burst = [
        *({**form, "found": "agreement"} for _ in range(20)),
        *({**form, "found": "homophone"} for _ in range(10)),  # no such mistake there
        *({**form, "start": "0", "found": "agreement"} for _ in range(10)),  # nothing found there
    ]
    answers = await asyncio.gather(*(http.post(url, data=data) for data in burst))
    assert sorted(a.status_code for a in answers) == [303] * 20 + [400] * 20
    overrides = await server.call(server.hub.store.follow_up.overrides(school.lea_doc))
    assert overrides == {(start, start + 4, "agreement"): None}
    cookie = {"Cookie": f"binome_session={teacher.cookies['binome_session']}", "Content-Type": FORM}
    assert (await chunked_post(server.port, url, cookie, 50 * MB, b"found="))[0] == 413
    csrf = csrf_from(teacher.get("/mon-mot-de-passe", headers=HTML).text)
    assert teacher.post("/deconnexion/partout", data={"csrf": csrf}).status_code == 303
    late = await http.post(url, data={**form, "found": "lexical"})
    assert late.status_code == 401
    assert await server.call(server.hub.store.follow_up.overrides(school.lea_doc)) == overrides
