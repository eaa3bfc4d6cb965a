"""The Content-Security-Policy holds on the real pages: Chromium reports no violation on any main
page, the sockets included (real Chromium)."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.support.server import ServerThread
from tests.support.tablets import OpenAs
from tests.support.web import DemoSchool


def _violations(page: Page) -> list[str]:
    """Reload ``page`` while listening: the console lines about the policy."""
    found: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            found.append(message.text)

    page.on("console", listen)
    response = page.reload(wait_until="load")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    return found


def test_no_policy_violation_on_the_pupils_pages(tablet: Page, server: ServerThread, school: DemoSchool) -> None:
    for path in ("/connexion", f"/classe/{school.code}", f"/classe/{school.code}/{school.lea_id}"):
        tablet.goto(server.http_url + path)
        assert _violations(tablet) == [], path
    tablet.locator(".picture-grid button").first.click()  # pictures.js runs
    expect(tablet.locator("#chosen .slot svg")).to_have_count(1)


def test_no_policy_violation_in_the_writing_room(open_as: OpenAs, school: DemoSchool) -> None:
    room = open_as("lea", f"/ecrire/{school.lea_doc}")
    violations = _violations(room)
    expect(room.locator("[data-connection]")).to_have_attribute("data-state", "connected")  # the socket
    assert violations == []


def test_no_policy_violation_on_the_teachers_pages(open_as: OpenAs, school: DemoSchool) -> None:
    klass, task, doc = school.class_id, school.dictation_task_id, school.lea_doc
    board = open_as("teacher", f"/enseignant/tache/{task}/tableau")
    violations = _violations(board)
    expect(board.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    assert violations == []
    for path in (
        "/",
        f"/enseignant/classe/{klass}",
        f"/enseignant/classe/{klass}/binomes",
        f"/enseignant/classe/{klass}/fiches",
        f"/enseignant/classe/{klass}/mediatheque",
        f"/enseignant/classe/{klass}/mediatheque/{school.demo_media_id}/phrases",
        f"/enseignant/classe/{klass}/taches",
        f"/enseignant/tache/{task}/suivi",
        f"/enseignant/tache/{task}/export",
        f"/enseignant/document/{doc}/replay",
        f"/enseignant/texte/{doc}",
        f"/blog/classe/{klass}",
        f"/blog/classe/{klass}/moderation",
    ):
        board.goto(board.url.split("/enseignant/")[0].rstrip("/") + path)
        assert _violations(board) == [], path
