"""The administrators' live page in Chromium (issue 13, point 10): it shows the pupils writing and
follows them by itself as pupils connect, at tablet and laptop sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from collab.settings import Settings
from tests.support.server import make_settings
from tests.support.tablets import OpenAs, screenshot, type_into, wait_connected, wait_text
from tests.support.web import DemoSchool


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", live_refresh_seconds=0.5)


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_live_page_follows_pupils_as_they_connect_and_write(open_as: OpenAs, school: DemoSchool) -> None:
    admin = open_as("admin", "/admin/en-direct")
    row = admin.locator("tr", has=admin.get_by_role("rowheader", name="École Jean Macé"))
    writing = row.locator('[data-field="pupils_writing"]')
    expect(writing).to_have_text("0")
    expect(admin.locator("[data-status-text]")).to_contain_text("À jour à")  # refreshed by itself
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    expect(writing).to_have_text("1")
    expect(row.locator('[data-field="connections"]')).to_have_text("1")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(noe)
    type_into(lea, "Chaque samedi matin,")
    wait_text(noe, "Chaque samedi matin,")
    expect(writing).to_have_text("2")
    expect(row.locator('[data-field="rooms"]')).to_have_text("1")
    expect(admin.locator('[data-commits="count"]')).not_to_have_text("0")
    # what an administrator sees: counts, never the pupils' names nor their text
    body = admin.locator("main").inner_text()
    assert "Léa" not in body and "Noé" not in body and "samedi" not in body
    box = writing.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1024  # on screen, no scrolling
    assert no_horizontal_scroll(admin)
    screenshot(admin, "admin-live")
    admin.set_viewport_size({"width": 1280, "height": 800})
    assert no_horizontal_scroll(admin)
    box = writing.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800
    noe.close()
    expect(writing).to_have_text("1")  # Noé's tablet went away
