"""Signing in through HTTP: adults with passwords, pupils with pictures, CSRF, throttling."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from collab.accounts.sign_in import PICTURES
from collab.app import create_app
from collab.demo.seeding import DEMO_PASSWORDS
from collab.settings import Settings
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_adult, sign_in_pupil


def wrong_pictures(right: tuple[int, ...]) -> str:
    return ",".join(str(n % len(PICTURES) + 1) for n in right)


def test_teacher_signs_in_with_password_and_sees_her_class(client: TestClient, school: DemoSchool) -> None:
    status, _ = sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])
    assert status == 303
    cookie = client.cookies.jar
    session = next(c for c in cookie if c.name == "binome_session")
    assert session.has_nonstandard_attr("HttpOnly")
    home = client.get("/")
    assert "Mes classes" in home.text and "CM1-CM2 Durand" in home.text and school.code in home.text


def test_set_cookie_header_is_httponly_and_samesite_lax(client: TestClient) -> None:
    page = client.get("/connexion")
    response = client.post(
        "/connexion", data={"csrf": csrf_from(page.text), "login": "p.martin", "password": DEMO_PASSWORDS["p.martin"]}
    )
    header = response.headers["set-cookie"].lower()
    assert "binome_session=" in header and "httponly" in header and "samesite=lax" in header


def test_wrong_password_is_refused_in_french(client: TestClient) -> None:
    status, text = sign_in_adult(client, "mme.durand", "pas-le-bon")
    assert status == 401
    assert "Ce n&#39;est pas le bon mot de passe" in text
    assert "binome_session" not in client.cookies


def test_pupils_cannot_use_the_password_form(client: TestClient) -> None:
    status, _ = sign_in_adult(client, "lea.martin", "")
    assert status == 401


def test_pupil_signs_in_with_code_name_and_pictures(client: TestClient, school: DemoSchool) -> None:
    response = client.get("/classe", params={"code": school.code.lower()})
    assert response.status_code == 303 and response.headers["location"].endswith(f"/classe/{school.code}")
    names = client.get(f"/classe/{school.code}")
    assert "Léa" in names.text and "Noé" in names.text and names.text.count('class="button name"') == 24
    page = client.get(f"/classe/{school.code}/{school.lea_id}")
    assert page.text.count('class="picture"') == 12
    pictures = ",".join(str(n) for n in school.lea_pictures)
    signed = client.post(
        f"/classe/{school.code}/{school.lea_id}", data={"csrf": csrf_from(page.text), "pictures": pictures}
    )
    assert signed.status_code == 303
    home = client.get("/")
    assert "Bonjour Léa" in home.text and "Tu écris avec Noé" in home.text
    docs = client.get("/api/docs")  # the session cookie also authenticates the API
    assert sorted((d["id"], d["title"], d["access"]) for d in docs.json()) == sorted(
        [
            (school.lea_doc, "Dictée : le marché du village", "write"),
            (
                school.lea_doc.replace(f"t{school.dictation_task_id}-", f"t{school.dictation_task_id - 1}-"),
                "Mon portrait physique et moral",
                "write",
            ),
        ]
    )


@pytest.mark.parametrize("code", ["ZZZZZZ", "../etc", "' OR 1=1 --"])
def test_unknown_class_code_is_explained(client: TestClient, code: str) -> None:
    response = client.get("/classe", params={"code": code})
    assert response.status_code == 404
    assert "Ce code de classe n&#39;existe pas" in response.text


def test_forged_pupil_ids_are_refused(client: TestClient, school: DemoSchool) -> None:
    # A pupil of another class, a made-up id and a non-number, under the demo class code.
    for pupil_id in (school.other_class_pupil_id, 999999, "abc"):
        page = client.get(f"/classe/{school.code}/{pupil_id}", headers={"accept": "text/html"})
        assert page.status_code == 404
    form = client.get(f"/classe/{school.code}/{school.lea_id}")
    forged = client.post(
        f"/classe/{school.code}/{school.other_class_pupil_id}", data={"csrf": csrf_from(form.text), "pictures": "1,2,3"}
    )
    assert forged.status_code == 404


def test_sign_in_forms_require_csrf(client: TestClient, school: DemoSchool) -> None:
    client.get("/connexion")
    for data in ({}, {"csrf": "forged"}):
        response = client.post(
            "/connexion", data={**data, "login": "mme.durand", "password": DEMO_PASSWORDS["mme.durand"]}
        )
        assert response.status_code == 403
        pictures = ",".join(str(n) for n in school.lea_pictures)
        response = client.post(f"/classe/{school.code}/{school.lea_id}", data={**data, "pictures": pictures})
        assert response.status_code == 403
    assert "binome_session" not in client.cookies


def test_failed_attempts_lock_the_account_not_the_school(client: TestClient, school: DemoSchool) -> None:
    page = client.get(f"/classe/{school.code}/{school.lea_id}")
    csrf = csrf_from(page.text)
    url = f"/classe/{school.code}/{school.lea_id}"
    for _ in range(5):
        assert client.post(url, data={"csrf": csrf, "pictures": wrong_pictures(school.lea_pictures)}).status_code == 401
    right = ",".join(str(n) for n in school.lea_pictures)
    locked = client.post(url, data={"csrf": csrf, "pictures": right})
    assert locked.status_code == 429
    assert "Trop d&#39;essais" in locked.text
    # Everyone else behind the same address still signs in.
    status, _ = sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])
    assert status == 303


def test_malformed_picture_sequences_are_wrong_not_errors(client: TestClient, school: DemoSchool) -> None:
    page = client.get(f"/classe/{school.code}/{school.lea_id}")
    for pictures in ("", "1,2", "a,b,c", "0,13,99", "1" * 5000):  # five: the sixth would lock
        response = client.post(
            f"/classe/{school.code}/{school.lea_id}", data={"csrf": csrf_from(page.text), "pictures": pictures}
        )
        assert response.status_code == 401


def test_sign_out_and_sign_out_everywhere(settings: Settings, client: TestClient) -> None:
    sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])
    with TestClient(create_app(settings), base_url="http://127.0.0.1", follow_redirects=False) as laptop:
        sign_in_adult(laptop, "mme.durand", DEMO_PASSWORDS["mme.durand"])
        assert "Mes classes" in laptop.get("/").text
        home = client.get("/")
        assert client.post("/deconnexion/partout", data={}).status_code == 403  # CSRF
        out = client.post("/deconnexion/partout", data={"csrf": csrf_from(home.text)})
        assert out.status_code == 303
        assert "Mes classes" not in client.get("/").text
        assert "Mes classes" not in laptop.get("/").text  # signed out there too


def test_pages_need_a_session_and_html_clients_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.post("/deconnexion", data={}, headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].endswith("/connexion")


def test_a_lock_on_the_pupils_own_tablet_shows_on_the_roster_and_the_teacher_unlocks_it(
    settings: Settings, school: DemoSchool, as_who: Any
) -> None:
    teacher = as_who("teacher")
    roster = f"/enseignant/classe/{school.class_id}"
    with browser(settings) as tablet:
        sign_in_pupil(tablet, school)  # the tablet is now a known device of Léa's account
        url = f"/classe/{school.code}/{school.lea_id}"
        csrf = csrf_from(tablet.get(url).text)
        for _ in range(5):
            assert (
                tablet.post(url, data={"csrf": csrf, "pictures": wrong_pictures(school.lea_pictures)}).status_code
                == 401
            )
        right = ",".join(str(n) for n in school.lea_pictures)
        assert tablet.post(url, data={"csrf": csrf, "pictures": right}).status_code == 429
        page = teacher.get(roster).text
        assert "compte bloqué" in page
        unlock = teacher.post(f"{roster}/eleves/{school.lea_id}/debloquer", data={"csrf": csrf_from(page)})
        assert unlock.status_code == 303 and "compte bloqué" not in teacher.get(roster).text
        assert tablet.post(url, data={"csrf": csrf, "pictures": right}).status_code == 303
