"""The school administrator never reads pupils' work: no sign-in cards (whose pictures would let
them sign in as a pupil), no new pictures, no text on any route they can reach; the RGPD export
is the one exception, and it is logged and kept in the audit log."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.data import class_school, with_store, write_text
from tests.support.web import AsWho, DemoSchool, csrf_from, sign_in_as

TEXT = "Les feuilles tombent doucement."


@pytest.fixture
def admin(client: TestClient, school: DemoSchool) -> TestClient:
    sign_in_as(client, "admin", school)
    return client


def test_only_the_class_teachers_see_the_sign_in_cards_and_give_new_pictures(
    admin: TestClient, as_who: AsWho, school: DemoSchool, settings: Settings
) -> None:
    cards = f"/enseignant/classe/{school.class_id}/fiches"
    assert admin.get(cards).status_code == 403
    csrf = csrf_from(admin.get("/").text)
    reset = admin.post(f"/enseignant/classe/{school.class_id}/eleves/{school.lea_id}/images", data={"csrf": csrf})
    assert reset.status_code == 403
    credentials = with_store(settings, lambda store: store.accounts.get_credentials(school.lea_id))
    assert credentials.pictures == school.lea_pictures  # unchanged
    teacher = as_who("teacher")
    assert teacher.get(cards).status_code == 200
    assert as_who("other teacher").get(cards).status_code == 403


def test_the_admin_reaches_no_pupil_text(admin: TestClient, school: DemoSchool, settings: Settings) -> None:
    write_text(settings, school.lea_doc, school.lea_id, TEXT)
    doc, task, klass = school.lea_doc, school.dictation_task_id, school.class_id
    refused = [
        f"/enseignant/classe/{klass}/fiches",
        f"/enseignant/classe/{klass}/taches",
        f"/ecrire/{doc}",
        f"/ecrire/{doc}/etat",
        f"/enseignant/document/{doc}/replay",
        f"/enseignant/document/{doc}/replay.json",
        f"/enseignant/texte/{doc}",
        f"/texte/{doc}/correction",
        f"/enseignant/tache/{task}/tableau",
        f"/enseignant/tache/{task}/suivi",
        f"/enseignant/tache/{task}/export",
        f"/enseignant/tache/{task}/export.pdf",
        f"/enseignant/tache/{task}/notes.csv",
        f"/enseignant/tache/{task}/profil",
        f"/blog/classe/{klass}",
    ]
    for path in refused:
        response = admin.get(path)
        assert response.status_code == 403, path
        assert TEXT not in response.text
    csrf = csrf_from(admin.get("/").text)
    lock = admin.post(f"/enseignant/tache/{task}/document/{doc}/verrou", data={"csrf": csrf, "action": "unlock"})
    assert lock.status_code == 403
    assert admin.get("/api/docs").json() == []
    # What the admin may open (accounts, not work) shows neither texts nor pictures.
    school_id = class_school(settings, klass)
    for path in (
        f"/enseignant/classe/{klass}",
        f"/enseignant/classe/{klass}/binomes",
        f"/admin/ecole/{school_id}?q=Léa",
        f"/admin/eleve/{school.lea_id}",
    ):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert TEXT not in page.text and "sign-in-card" not in page.text, path
        assert 'href="#picture-' not in page.text and "card-pictures" not in page.text, path
    cookie = {"Cookie": f"binome_session={admin.cookies['binome_session']}"}
    with admin.websocket_connect(f"/ws/tableau/{task}", headers=cookie) as feed:
        closed = feed.receive()
        assert closed["type"] == "websocket.close" and closed["code"] == 4403


def test_the_rgpd_export_is_logged_and_audited(
    admin: TestClient, school: DemoSchool, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    write_text(settings, school.lea_doc, school.lea_id, TEXT)
    caplog.set_level(logging.INFO, logger="collab.audit")
    response = admin.get(f"/admin/eleve/{school.lea_id}/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    [line] = [r.getMessage() for r in caplog.records if r.name == "collab.audit"]
    assert "export" in line and "lea.martin" in line and "admin.jeanmace" in line
    with sqlite3.connect(settings.database_path) as db:
        rows = db.execute("SELECT actor_login, action, subject_id, subject_login, at FROM audit_log").fetchall()
    [(actor, action, subject_id, subject, at)] = rows
    assert (actor, action, subject_id, subject) == ("admin.jeanmace", "export", school.lea_id, "lea.martin")
    assert at > 0
