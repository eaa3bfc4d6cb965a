"""The teacher records a dictation in the browser (real Chromium, its fake microphone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from collab.settings import Settings
from tests.support.data import media_files
from tests.support.tablets import OpenAs, screenshot
from tests.support.web import DemoSchool


def test_record_pause_resume_and_save_into_the_mediatheque(
    open_as: OpenAs, school: DemoSchool, settings: Settings
) -> None:
    page = open_as("teacher", f"/enseignant/classe/{school.class_id}/mediatheque")
    recorder = page.locator("#recorder")
    elapsed = recorder.locator("[data-elapsed]")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
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
    page.wait_for_function(  # counting again, from where it paused (however slow the machine)
        "(before) => document.querySelector('#recorder [data-elapsed]').textContent !== before", arg=paused_at
    )
    page.get_by_role("button", name="Terminer").click()
    expect(recorder).to_have_attribute("data-state", "stopped")
    minutes, seconds = elapsed.inner_text().split(":")
    recorded = 60 * int(minutes) + int(seconds)
    page.get_by_label("Nom").first.fill("Dictée du jeudi")
    page.get_by_role("button", name="Garder cet enregistrement").click()
    expect(page.locator(".notice")).to_contain_text("fichier déposé")
    expect(page.locator("input[value='Dictée du jeudi']")).to_be_visible()
    [(mime, duration)] = [(m.mime, m.duration) for m in media_files(settings, school) if m.name == "Dictée du jeudi"]
    assert mime == "audio/webm"
    assert recorded - 0.5 <= duration < recorded + 1.5  # the pause is not in the file


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


def test_a_take_not_kept_yet_is_never_lost_without_asking(
    open_as: OpenAs, school: DemoSchool, settings: Settings
) -> None:
    page = open_as("teacher", f"/enseignant/classe/{school.class_id}/mediatheque")
    recorder = page.locator("#recorder")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(recorder.locator("[data-elapsed]")).to_have_text("0:01", timeout=5000)
    page.get_by_role("button", name="Terminer").click()
    expect(recorder).to_have_attribute("data-state", "stopped")
    # One clear next step, next to the name: keep it. The hint says so (not « enregistrez »).
    keep = page.get_by_role("button", name="Garder cet enregistrement")
    name = page.get_by_role("textbox", name="Nom").first
    expect(keep).to_be_visible()
    expect(name).to_be_focused()
    expect(recorder.locator("[data-status]")).to_contain_text("« Garder cet enregistrement »")
    expect(recorder.locator("[data-status]")).not_to_contain_text("enregistrez")
    keep_box, name_box = keep.bounding_box(), name.bounding_box()
    assert keep_box is not None and name_box is not None
    assert keep_box["height"] >= 44 and keep_box["y"] >= 0 and keep_box["y"] + keep_box["height"] <= 1024
    assert abs(keep_box["y"] - name_box["y"]) < 140  # beside (or just under) its name
    screenshot(page, "recorder-keep")
    # A new take over it asks first, in the page; Escape (or « Non ») keeps it.
    page.get_by_role("button", name="Nouvel enregistrement").click()
    dialog = page.get_by_role("dialog", name="Effacer l'enregistrement pas encore gardé ?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("0:01")
    expect(dialog.get_by_role("button", name="Non, le garder d'abord")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(recorder).to_have_attribute("data-state", "stopped")
    expect(name).to_be_focused()
    # Asked again, the teacher chooses, with the keyboard, to record anew: the old take goes.
    page.get_by_role("button", name="Nouvel enregistrement").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Effacer et recommencer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(recorder).to_have_attribute("data-state", "recording")
    expect(recorder.locator("[data-elapsed]")).to_have_text("0:01", timeout=5000)
    page.get_by_role("button", name="Terminer").click()
    expect(recorder).to_have_attribute("data-state", "stopped")
    name.fill("Deuxième prise")
    expect(name).to_have_value("Deuxième prise")
    keep.click()
    expect(page.locator(".notice")).to_contain_text("fichier déposé")
    names = [m.name for m in media_files(settings, school) if m.mime == "audio/webm"]
    assert names == ["Deuxième prise"]  # the first take was never stored
