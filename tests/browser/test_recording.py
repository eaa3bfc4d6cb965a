"""The teacher records a dictation in the browser (real Chromium, its fake microphone)."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from collab.settings import Settings
from tests.browser.conftest import OpenAs, screenshot
from tests.web import DemoSchool


def test_record_pause_resume_and_save_into_the_mediatheque(
    open_as: OpenAs, school: DemoSchool, settings: Settings
) -> None:
    page = open_as("teacher", f"/enseignant/classe/{school.class_id}/mediatheque")
    recorder = page.locator("#recorder")
    elapsed = recorder.locator("[data-elapsed]")
    page.get_by_role("button", name="Enregistrer").click()
    expect(recorder).to_have_attribute("data-state", "recording")
    expect(elapsed).to_have_text("0:02", timeout=5000)
    page.wait_for_function("() => Number(document.getElementById('recorder').dataset.level) > 0")  # the meter moves
    screenshot(page, "recorder-recording")
    page.get_by_role("button", name="Pause").click()
    expect(recorder).to_have_attribute("data-state", "paused")
    paused_at = elapsed.inner_text()
    page.wait_for_timeout(1500)  # time passes while paused: it must not count
    assert elapsed.inner_text() == paused_at
    page.get_by_role("button", name="Reprendre").click()
    expect(elapsed).to_have_text("0:03", timeout=5000)
    page.get_by_role("button", name="Terminer").click()
    expect(recorder).to_have_attribute("data-state", "stopped")
    page.get_by_label("Nom").first.fill("Dictée du jeudi")
    page.get_by_role("button", name="Mettre dans la médiathèque").click()
    expect(page.locator(".notice")).to_contain_text("fichier déposé")
    expect(page.locator("input[value='Dictée du jeudi']")).to_be_visible()
    with sqlite3.connect(settings.database_path) as db:
        mime, duration = db.execute("SELECT mime, duration FROM media WHERE name = 'Dictée du jeudi'").fetchone()
    assert mime == "audio/webm"
    assert 3.0 <= duration < 4.5  # the pause is not in the file


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("NotAllowedError", "Le micro est refusé"),
        ("NotFoundError", "Aucun micro n’est branché"),
        ("NotReadableError", "déjà utilisé par un autre logiciel"),
    ],
)
def test_a_missing_or_refused_microphone_is_explained(
    open_as: OpenAs, school: DemoSchool, error: str, message: str
) -> None:
    page = open_as("teacher", "/")
    page.add_init_script(
        f"navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no', '{error}'))"
    )
    page.goto(page.url.rstrip("/") + f"/enseignant/classe/{school.class_id}/mediatheque")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#recorder [data-error]")).to_contain_text(message)
    expect(page.get_by_role("button", name="Enregistrer")).to_be_enabled()  # one can try again
