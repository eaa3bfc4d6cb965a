"""The class blog (first part): who reads it, the teacher's approval, the class setting."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.data import BODY, publish
from tests.support.web import DemoSchool, blog, browser, csrf_from, sign_in_as


def test_a_submitted_text_waits_for_the_teacher(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY not in blog(parent, school)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        assert BODY not in blog(lea, school)
        assert "envoyé à la maîtresse ou au maître" in lea.get("/").text  # her home says the text is sent
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        page = blog(teacher, school)
        assert BODY in page and "envoyé (à valider)" in page and "Par Léa et Noé" in page
        approved = teacher.post(f"/blog/billet/{post_id}/publier", data={"csrf": csrf_from(page)})
        assert approved.status_code == 303
    for who in ("parent", "lea", "noe"):
        with browser(settings) as reader:
            sign_in_as(reader, who, school)
            page = blog(reader, school)
            assert BODY in page and "en attente" not in page and "Publier ce texte" not in page


def test_a_published_text_is_online_at_once(settings: Settings, school: DemoSchool) -> None:
    publish(settings, school, moderated=False)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY in blog(parent, school)


@pytest.mark.parametrize("who", ["other teacher", "admin"])
def test_others_do_not_read_the_class_blog(settings: Settings, school: DemoSchool, who: str) -> None:
    publish(settings, school, moderated=False)
    with browser(settings) as other:
        sign_in_as(other, who, school)
        response = other.get(f"/blog/classe/{school.class_id}", headers={"accept": "text/html"})
        assert response.status_code == 403 and BODY not in response.text


@pytest.mark.parametrize("who", ["other teacher", "parent", "lea"])
def test_only_the_teacher_approves_and_sets_the_blog(settings: Settings, school: DemoSchool, who: str) -> None:
    post_id = publish(settings, school)
    with browser(settings) as other:
        sign_in_as(other, who, school)
        csrf = csrf_from(other.get("/").text)
        assert other.post(f"/blog/billet/{post_id}/publier", data={"csrf": csrf}).status_code == 403
        setting = other.post(f"/blog/classe/{school.class_id}/reglage", data={"csrf": csrf, "moderated": "0"})
        assert setting.status_code == 403
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY not in blog(parent, school)


def test_forged_ids(client: TestClient, school: DemoSchool) -> None:
    sign_in_as(client, "teacher", school)
    csrf = csrf_from(client.get("/").text)
    assert client.get("/blog/classe/9999").status_code == 404
    assert client.get("/blog/classe/abc").status_code == 404
    assert client.post("/blog/billet/9999/publier", data={"csrf": csrf}).status_code == 404
    assert client.post("/blog/billet/1/publier", data={"csrf": "forged"}).status_code == 403
