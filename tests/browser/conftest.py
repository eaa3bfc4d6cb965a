"""Real Chromium (Debian's package) driven by Playwright, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from collab.settings import Settings
from tests.support.server import ServerThread
from tests.support.tablets import TABLET, OpenAs, chromium_path
from tests.support.web import DemoSchool, sign_in_as
from tests.support.web import browser as web_browser

BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run on one test process (``--dist loadgroup``), one after the other, while the
    other process takes the rest of the suite: two Chromiums never compete for the two cores."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.xdist_group("browser"))


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
