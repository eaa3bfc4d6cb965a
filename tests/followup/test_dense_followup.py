"""A doubly wrong word on the teacher's side (issue 16): her text page lists both of its mistakes, each with
its category, and the class's error profile counts both."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from collab.settings import Settings
from tests.conftest import AsWho
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.web import DemoSchool

HTML = {"accept": "text/html"}
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
