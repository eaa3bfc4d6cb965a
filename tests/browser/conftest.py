"""Real Chromium (Debian's package) driven by Playwright, against a real server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from collab.settings import Settings
from tests.conftest import REPO, ServerThread
from tests.support.web import DemoSchool, sign_in_as
from tests.support.web import browser as web_browser

OpenAs = Callable[..., Page]

ARTIFACTS = REPO / "test-artifacts"
TABLET = {"width": 768, "height": 1024}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is required for the browser tests: apt-get install -y chromium (.ci/run does)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running in this thread, which
    # must be gone again before the asyncio tests of other modules run.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                # A fake microphone (a beep) that is granted without asking, for the recorder.
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def open_as(browser: Browser, server: ServerThread, settings: Settings, school: DemoSchool) -> Iterator[OpenAs]:
    """``open_as(who, path)``: a new tablet signed in as ``who`` (see tests.support.web.sign_in_as) at ``path``."""
    contexts: list[BrowserContext] = []

    def open_page(who: str, path: str, **options: Any) -> Page:
        with web_browser(settings) as client:
            cookie = sign_in_as(client, who, school)
        context = browser.new_context(viewport=TABLET, has_touch=True, locale="fr-FR", **options)
        contexts.append(context)
        context.add_cookies([{"name": "binome_session", "value": cookie, "url": server.http_url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(server.http_url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
