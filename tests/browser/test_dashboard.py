"""The teacher watches two pupils type, live, on the dashboard (real Chromium)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenAs, screenshot
from tests.browser.test_writing_room import type_into, wait_connected, wait_text
from tests.web import DemoSchool


def test_the_dashboard_shows_the_pair_writing_live(open_as: OpenAs, school: DemoSchool) -> None:
    board = open_as("teacher", f"/enseignant/tache/{school.dictation_task_id}/tableau")
    expect(board.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    expect(board.locator(".pair-card")).to_have_count(12)
    card = board.locator(f'.pair-card[data-doc="{school.lea_doc}"]')
    expect(card.locator("[data-names]")).to_have_text("Binôme 1 : Léa et Noé")
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    expect(card.locator("[data-presence] li.present")).to_have_count(2)
    type_into(lea, "Le marché du village.")
    expect(card.locator("[data-text]")).to_have_text("Le marché du village.")
    wait_text(noe, "Le marché du village.")
    type_into(noe, " Chaque samedi matin")
    expect(card.locator("[data-text]")).to_have_text("Le marché du village. Chaque samedi matin")
    expect(card.locator("[data-progress]")).to_contain_text("7 / ")
    expect(card.locator("[data-last]")).to_contain_text("dernier : Noé")
    screenshot(board, "dashboard-live")
    # lock from the dashboard: the pupils' pages say so; unlock: they can write again
    card.get_by_role("button", name="Verrouiller").click()
    expect(card).to_have_attribute("data-status", "locked")
    expect(lea.locator("[data-connection]")).to_have_attribute("data-state", "paused")  # a pause, not a failure
    expect(lea.locator("[data-connection]")).to_contain_text("en pause")
    card.get_by_role("button", name="Déverrouiller").click()
    expect(card).to_have_attribute("data-status", "open")
    wait_connected(lea)  # the page noticed the text reopened and came back by itself
    expect(lea.locator("[data-outcome]")).to_be_hidden()
    # a message to the pair
    card.get_by_placeholder("Message au binôme").fill("Pensez aux majuscules !")
    card.get_by_role("button", name="Envoyer").click()
    expect(noe.locator("[data-teacher-message]")).to_contain_text("Pensez aux majuscules !")
    # the text full size, read-only, with cursors; then the replay
    card.locator("[data-open]").click()  # opens in the same tab
    expect(board.locator("#room")).to_have_attribute("data-ready", "true")
    expect(board.locator("[data-agree]")).to_have_count(0)  # the teacher reads, never agrees
    wait_text(board, "Le marché du village. Chaque samedi matin")
    board.goto(board.url.split("/ecrire/")[0] + f"/enseignant/document/{school.lea_doc}/replay")
    expect(board.locator("#replay")).to_have_attribute("data-ready", "true")
    expect(board.locator("#replay")).to_have_attribute("data-text", "Le marché du village. Chaque samedi matin")
    board.locator("[data-slider]").fill("1")
    expect(board.locator("#replay")).to_have_attribute("data-text", "L")
    screenshot(board, "replay")
