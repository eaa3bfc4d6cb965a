"""Tablets in real Chromium (Playwright): how they are launched, signed in, typed into and watched."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.server import REPO
from tests.support.web import DemoSchool

OpenAs = Callable[..., Page]


ARTIFACTS = REPO / "test-artifacts"


TABLET = {"width": 768, "height": 1024}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is required for the browser tests: apt-get install -y chromium (.ci/run does)")
    return path


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def editor_text(page: Page) -> str:
    return str(page.evaluate("window.binomeRoom.ytext.toString()"))


def type_into(page: Page, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def wait_connected(page: Page) -> None:
    expect(page.locator("[data-connection]")).to_have_attribute("data-state", "connected", timeout=10_000)


def wait_text(page: Page, text: str) -> None:
    page.wait_for_function("t => window.binomeRoom && window.binomeRoom.ytext.toString() === t", arg=text)


def write_and_agree(open_as: OpenAs, school: DemoSchool, text: str) -> tuple[Page, Page]:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    type_into(lea, text)
    wait_text(noe, text)
    expect(lea.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    lea.get_by_role("button", name="On est d’accord").click()
    expect(noe.locator("[data-agreements] li[data-agreed=true]")).to_have_text("Léa : d’accord ✓")
    expect(noe.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    noe.get_by_role("button", name="On est d’accord").click()
    return lea, noe
