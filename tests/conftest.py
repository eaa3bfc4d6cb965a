"""Fixtures only: a settings and data directory per test, the demo school (seeded once per process
and copied), app clients, a live server, signed-in browsers. Helpers live in tests/support/."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from collab.app import create_app
from collab.settings import Settings
from tests.support.pairs import Pair, seed_pair
from tests.support.server import ServerThread, make_settings, run_async
from tests.support.summary import SUMMARY_PROPERTY
from tests.support.web import AsWho, DemoSchool, browser, seed_demo_school, sign_in_as


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what tests asked to show (the dense dictations' score per category, …) after the run."""
    for reports in (terminalreporter.stats.get("passed", []), terminalreporter.stats.get("failed", [])):
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == SUMMARY_PROPERTY and report.when == "call":
                    terminalreporter.write_sep("-", report.nodeid.split("::")[-1])
                    terminalreporter.write_line(str(value))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def seeded_school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSchool]:
    """The demo school seeded once per test process (seeding hashes passwords and writes the
    médiathèque: about two seconds), kept as a data directory that each test copies."""
    data_dir = tmp_path_factory.mktemp("seeded-school") / "data"
    return data_dir, run_async(seed_demo_school, make_settings(data_dir))


@pytest.fixture
def school(settings: Settings, seeded_school: tuple[Path, DemoSchool]) -> DemoSchool:
    """The demo École Jean Macé, plus a CE2 class with one pupil (Tom): a fresh copy of the
    session's seeded data directory in this test's own data directory."""
    template, demo = seeded_school
    if settings.on_postgres or settings.database_path.exists():  # seed into the test's own database
        return run_async(seed_demo_school, settings)
    shutil.copytree(template, settings.data_dir, dirs_exist_ok=True)
    return dataclasses.replace(demo)


@pytest.fixture
def client(settings: Settings, school: DemoSchool) -> Iterator[TestClient]:
    """A browser-like client of an app serving the demo school."""
    with TestClient(create_app(settings), base_url="http://127.0.0.1", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def teacher(client: TestClient, school: DemoSchool) -> TestClient:
    """The app's client, signed in as the class's teacher (Mme Durand)."""
    sign_in_as(client, "teacher", school)
    return client


@pytest.fixture
def as_who(settings: Settings, school: DemoSchool) -> Iterator[AsWho]:
    """Browsers signed in as "lea", "teacher", "parent"… (see tests.support.web.sign_in_as), each with its
    own session, closed at the end of the test."""
    with contextlib.ExitStack() as stack:

        def open_as(who: str) -> TestClient:
            client = stack.enter_context(browser(settings))
            sign_in_as(client, who, school)
            return client

        yield open_as


@pytest.fixture
def server(settings: Settings) -> Iterator[ServerThread]:
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def pair(settings: Settings) -> Pair:
    return run_async(seed_pair, settings)


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        yield client
