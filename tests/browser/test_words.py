"""The dashboard says how long ago a pair wrote in words (real Chromium): « hier », never
« il y a 1437 min »; the names of a pair read as a French list."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from collab.settings import Settings
from collab.words import ago
from tests.support.data import with_store
from tests.support.tablets import OpenAs
from tests.support.web import DemoSchool
from tests.support.yclient import update_inserting


def _written_at(settings: Settings, doc_id: str, author_id: int, at: float) -> None:
    update = (update_inserting("Les feuilles"), author_id, at)
    with_store(settings, lambda store: store.documents.append_updates(doc_id, [update]))


def test_the_dashboard_says_yesterday_not_1437_minutes(open_as: OpenAs, school: DemoSchool, settings: Settings) -> None:
    yesterday = time.time() - 1437 * 60
    two_hours = time.time() - 2 * 3600 - 60
    _written_at(settings, school.lea_doc, school.lea_id, yesterday)
    _written_at(settings, school.other_pair_doc, school.other_class_pupil_id, two_hours)
    board = open_as("teacher", f"/enseignant/tache/{school.dictation_task_id}/tableau")
    expect(board.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    lea = board.locator(f'.pair-card[data-doc="{school.lea_doc}"]')
    expect(lea.locator("[data-last]")).to_have_text(f"dernier : Léa, {ago(yesterday)}")
    assert "min" not in (lea.locator("[data-last]").text_content() or "")
    other = board.locator(f'.pair-card[data-doc="{school.other_pair_doc}"]')
    expect(other.locator("[data-last]")).to_contain_text(ago(two_hours))
    expect(lea.locator("[data-names]")).to_have_text("Binôme 1 : Léa et Noé")
