"""The teacher's replay of how a text was written: one pupil's edits alone, and the way back to
the dashboard (real Chromium)."""

from __future__ import annotations

from playwright.sync_api import expect

from collab.settings import Settings
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.tablets import OpenAs, screenshot
from tests.support.web import DemoSchool

FADED = "rgb(107, 114, 128)"


def test_the_replay_shows_one_pupils_edits_and_leads_back_to_the_dashboard(
    open_as: OpenAs, school: DemoSchool, settings: Settings
) -> None:
    write_and_agree(settings, school)  # Léa and Noé typed a sentence each, in turn
    page = open_as("teacher", f"/enseignant/document/{school.lea_doc}/replay")
    page.set_viewport_size({"width": 1280, "height": 800})
    replay = page.locator("#replay")
    expect(replay).to_have_attribute("data-ready", "true")
    assert replay.get_attribute("data-text") == LEA_DICTATION
    text = replay.locator("[data-text]")
    lea_runs = text.locator(f'span[data-author="{school.lea_id}"]')
    noe_runs = text.locator(f'span[data-author="{school.noe_id}"]')
    assert lea_runs.count() >= 1 and noe_runs.count() >= 1
    lea_colour = lea_runs.first.evaluate("e => getComputedStyle(e).color")
    assert lea_colour != FADED

    # Only Léa: her characters keep her colour (bold, underlined), Noé's fade to grey.
    lea = page.get_by_role("button", name="Léa", exact=True)
    lea.click()
    expect(lea).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Tout le monde")).to_have_attribute("aria-pressed", "false")
    expect(replay.locator("[data-summary]")).to_contain_text("Léa :")
    expect(replay.locator("[data-summary]")).to_contain_text("caractères tapés")
    assert lea_runs.first.evaluate("e => getComputedStyle(e).color") == lea_colour
    assert lea_runs.first.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert noe_runs.first.evaluate("e => getComputedStyle(e).color") == FADED
    assert replay.get_attribute("data-text") == LEA_DICTATION  # nothing is hidden from the text itself
    screenshot(page, "replay-one-pupil")

    # Played from the start with Léa chosen, each step is one of hers.
    page.locator("[data-slider]").fill("0")
    page.get_by_role("button", name="Lecture").click()
    page.wait_for_function("() => document.querySelectorAll('#replay [data-text] span').length > 0")
    expect(text.locator("span").last).to_have_attribute("data-author", str(school.lea_id))

    page.get_by_role("button", name="Pause").click()
    slider = page.locator("[data-slider]")
    slider.fill(slider.get_attribute("max") or "0")
    # Everyone again, then back to the dashboard by the button at the top.
    page.get_by_role("button", name="Tout le monde").click()
    assert noe_runs.first.evaluate("e => getComputedStyle(e).color") != FADED
    back = page.get_by_role("link", name="Retour au tableau")
    box = back.bounding_box()
    assert box is not None and 0 <= box["y"] < 800 and box["height"] >= 44
    back.click()
    page.wait_for_url(f"**/enseignant/tache/{school.dictation_task_id}/tableau")
    expect(page.locator("#dashboard h1")).to_contain_text("Dictée : le marché du village")
