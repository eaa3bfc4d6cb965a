"""The teacher's class screens, through HTTP, and who may use them."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from collab.demo.seeding import DEMO_PASSWORDS
from tests.support.web import OTHER_PASSWORD, DemoSchool, browser, csrf_from, sign_in_adult, sign_in_pupil


def roster(client: TestClient, school: DemoSchool) -> str:
    page = client.get(f"/enseignant/classe/{school.class_id}")
    assert page.status_code == 200
    return page.text


def post(client: TestClient, school: DemoSchool, path: str, data: dict[str, str]) -> int:
    csrf = csrf_from(roster(client, school))
    response = client.post(f"/enseignant/classe/{school.class_id}{path}", data={"csrf": csrf, **data})
    return response.status_code


def test_roster_lists_the_class(teacher: TestClient, school: DemoSchool) -> None:
    page = roster(teacher, school)
    assert page.count('name="name" value=') == 24
    assert "Léa" in page and school.code in page


def test_pasting_a_list_adds_pupils_with_logins_and_pictures(teacher: TestClient, school: DemoSchool) -> None:
    assert post(teacher, school, "/eleves", {"names": "Élodie Durand\n\n  Yanis  \nÉlodie Durand"}) == 303
    page = roster(teacher, school)
    assert page.count('name="name" value=') == 27
    code = school.code.lower()
    assert f"elodie.durand.{code}" in page and f"elodie.durand.{code}-2" in page and f"yanis.{code}" in page
    sheet = teacher.get(f"/enseignant/classe/{school.class_id}/fiches")
    assert sheet.text.count('class="sign-in-card"') == 27  # every new pupil has pictures to print


def test_empty_list_is_explained(teacher: TestClient, school: DemoSchool) -> None:
    csrf = csrf_from(roster(teacher, school))
    response = teacher.post(
        f"/enseignant/classe/{school.class_id}/eleves",
        data={"csrf": csrf, "names": " \n "},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Écrivez au moins un prénom." in response.text


def test_rename_reset_pictures_and_remove(teacher: TestClient, school: DemoSchool, settings: object) -> None:
    assert post(teacher, school, f"/eleves/{school.lea_id}/prenom", {"name": "Léa M."}) == 303
    assert 'value="Léa M."' in roster(teacher, school)
    before = teacher.get(f"/enseignant/classe/{school.class_id}/fiches").text
    assert post(teacher, school, f"/eleves/{school.lea_id}/images", {}) == 303
    after = teacher.get(f"/enseignant/classe/{school.class_id}/fiches").text
    assert before.count("sign-in-card") == after.count("sign-in-card")
    assert post(teacher, school, f"/eleves/{school.noe_id}/retirer", {}) == 303
    assert 'value="Noé"' not in roster(teacher, school)


def test_teacher_unlocks_a_locked_pupil(teacher: TestClient, school: DemoSchool) -> None:
    url = f"/classe/{school.code}/{school.lea_id}"
    csrf = csrf_from(teacher.get(url).text)
    for _ in range(5):
        teacher.post(url, data={"csrf": csrf, "pictures": "12,11,10"})
    assert "compte bloqué" in roster(teacher, school)
    assert post(teacher, school, f"/eleves/{school.lea_id}/debloquer", {}) == 303
    assert "compte bloqué" not in roster(teacher, school)


def test_linking_a_new_parent_shows_the_password_once(
    teacher: TestClient, school: DemoSchool, settings: object
) -> None:
    csrf = csrf_from(roster(teacher, school))
    response = teacher.post(
        f"/enseignant/classe/{school.class_id}/parents",
        data={"csrf": csrf, "pupil_id": str(school.noe_id), "login": "k.bernard", "name": "Karim Bernard"},
    )
    assert response.status_code == 200
    page = response.text
    password = re.search(r"Mot de passe à transmettre : <strong>([^<]+)</strong>", page)
    assert password
    assert "Karim Bernard (k.bernard) → Noé" in page
    with browser(settings) as parent:
        assert sign_in_adult(parent, "k.bernard", password.group(1))[0] == 303
        assert "CM1-CM2 Durand" in parent.get("/").text


def test_random_pairs_and_keep_apart(teacher: TestClient, school: DemoSchool) -> None:
    assert post(teacher, school, "/eleves", {"names": "Yanis"}) == 303  # 25 pupils: one trio
    assert post(teacher, school, "/binomes/separer", {"a": str(school.lea_id), "b": str(school.noe_id)}) == 303
    for _ in range(5):
        assert post(teacher, school, "/binomes/hasard", {}) == 303
        page = teacher.get(f"/enseignant/classe/{school.class_id}/binomes").text
        pairs = re.findall(r"Binôme \d+ : ([^<]+)</li>", page)
        assert len(pairs) == 12
        assert sorted(p.count(", ") + p.count(" et ") for p in pairs) == [1] * 11 + [2]  # « A, B et C »
        assert not any("Léa" in p and "Noé" in p for p in pairs)


def test_arranging_by_hand_refuses_kept_apart_pupils(teacher: TestClient, school: DemoSchool) -> None:
    post(teacher, school, "/binomes/separer", {"a": str(school.lea_id), "b": str(school.noe_id)})
    page = teacher.get(f"/enseignant/classe/{school.class_id}/binomes").text
    groups = dict(re.findall(r'name="group-(\d+)"[^>]*value="(\d*)"', page, re.S))
    assert groups[str(school.lea_id)] == groups[str(school.noe_id)]  # the demo put them together
    response = teacher.post(
        f"/enseignant/classe/{school.class_id}/binomes",
        data={"csrf": csrf_from(page), **{f"group-{k}": v for k, v in groups.items()}},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Deux élèves que vous voulez séparer" in response.text


def test_sign_in_sheet_has_a_card_per_pupil_with_qr_and_pictures(teacher: TestClient, school: DemoSchool) -> None:
    sheet = teacher.get(f"/enseignant/classe/{school.class_id}/fiches").text
    assert sheet.count('class="sign-in-card"') == 24
    assert sheet.count("<svg") >= 24 * 2  # a QR code and pictures on every card
    assert school.code in sheet and "data-print" in sheet


# -- who may use these screens ------------------------------------------------------------------

SCREENS = ["", "/binomes", "/fiches"]
ACTIONS = ["/eleves", "/binomes/hasard", "/parents"]


def _as(client: TestClient, who: str, school: DemoSchool) -> TestClient:
    if who == "pupil":
        sign_in_pupil(client, school)
    elif who != "anonymous":
        login, password = {
            "other teacher": ("m.blanc", OTHER_PASSWORD),
            "parent": ("p.martin", DEMO_PASSWORDS["p.martin"]),
            "other school admin": ("admin.hugo", OTHER_PASSWORD),
            "school admin": ("admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"]),
        }[who]
        assert sign_in_adult(client, login, password)[0] == 303
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("pupil", 403),
        ("parent", 403),
        ("other teacher", 403),
        ("other school admin", 403),
        ("school admin", 200),
    ],
)
def test_who_may_open_the_class_screens(client: TestClient, school: DemoSchool, who: str, status: int) -> None:
    _as(client, who, school)
    for screen in SCREENS:
        expected = 403 if who == "school admin" and screen == "/fiches" else status  # the cards: teachers only
        assert client.get(f"/enseignant/classe/{school.class_id}{screen}").status_code == expected
    if status != 200:
        home = client.get("/connexion").text if who == "anonymous" else client.get("/").text
        csrf = csrf_from(home) if 'name="csrf"' in home else ""
        for action in ACTIONS:
            response = client.post(f"/enseignant/classe/{school.class_id}{action}", data={"csrf": csrf, "names": "X"})
            assert response.status_code in (401, 403)


@pytest.mark.parametrize("class_id", ["999999", "abc", "-1"])
def test_forged_class_ids(teacher: TestClient, class_id: str) -> None:
    assert teacher.get(f"/enseignant/classe/{class_id}").status_code == 404


def test_another_class_and_another_school_are_refused(teacher: TestClient, school: DemoSchool) -> None:
    assert teacher.get(f"/enseignant/classe/{school.other_class_id}").status_code == 403
    assert teacher.get(f"/enseignant/classe/{school.other_school_class_id}").status_code == 403


def test_forged_pupil_ids_in_urls_and_forms(teacher: TestClient, school: DemoSchool) -> None:
    for pupil_id in (school.other_class_pupil_id, 999999):
        assert post(teacher, school, f"/eleves/{pupil_id}/images", {}) == 404
        assert post(teacher, school, f"/eleves/{pupil_id}/retirer", {}) == 404
        assert post(teacher, school, "/parents", {"pupil_id": str(pupil_id), "login": "x", "name": "X"}) == 404
        assert post(teacher, school, "/binomes/separer", {"a": str(school.lea_id), "b": str(pupil_id)}) == 404


def test_every_teacher_form_requires_csrf(teacher: TestClient, school: DemoSchool) -> None:
    base = f"/enseignant/classe/{school.class_id}"
    for path in [
        "/eleves",
        f"/eleves/{school.lea_id}/prenom",
        f"/eleves/{school.lea_id}/images",
        f"/eleves/{school.lea_id}/retirer",
        f"/eleves/{school.lea_id}/debloquer",
        "/parents",
        "/binomes",
        "/binomes/hasard",
        "/binomes/separer",
    ]:
        assert teacher.post(base + path, data={"names": "X", "name": "X"}).status_code == 403, path
    assert 'value="Léa"' in roster(teacher, school)
