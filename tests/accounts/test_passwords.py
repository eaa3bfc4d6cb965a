"""Adults' passwords: argon2 off the event loop, no timing oracle, strong generated passwords and
« Mon mot de passe »."""

from __future__ import annotations

import asyncio
import math
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from collab.accounts import passwords
from collab.accounts.administration import new_password
from collab.accounts.passwords import PASSWORD_WORDS, generated_password_bits, hash_password, password_words
from collab.demo.seeding import DEMO_PASSWORDS
from collab.settings import Settings, from_env
from collab.store import Store
from tests.support.data import with_store
from tests.support.server import ServerThread
from tests.support.web import OTHER_PASSWORD, DemoSchool, browser, csrf_from, sign_in_adult, sign_in_as

ADULT_LOGINS = ["mme.durand", "p.martin", "admin.jeanmace", "m.blanc", "admin.hugo"]


# -- argon2 off the event loop -------------------------------------------------------------------


@pytest.fixture
def production_argon2(settings: Settings, school: DemoSchool) -> Iterator[ServerThread]:
    """A server hashing at argon2's production cost (the tests' settings use the lowest), the adults'
    stored hashes made at that cost too."""
    production = Settings()
    costly = settings.with_overrides(
        argon2_time_cost=production.argon2_time_cost, argon2_memory_kib=production.argon2_memory_kib
    )
    costly_hash = hash_password(passwords.password_hasher(costly), OTHER_PASSWORD)

    async def rehash(store: Store) -> None:
        for login in ADULT_LOGINS:
            user = await store.accounts.get_user_by_login(login)
            assert user is not None
            await store.accounts.set_password_hash(user.id, costly_hash)

    with_store(costly, rehash)
    with ServerThread(costly) as server:
        yield server


@pytest.mark.anyio
async def test_healthz_answers_while_30_wrong_adult_sign_ins_are_checked(
    production_argon2: ServerThread, settings: Settings
) -> None:
    """Each check costs a third of a second of CPU: they queue on the argon2 workers, and the
    event loop keeps answering."""
    server = production_argon2
    logins = [login for login in ADULT_LOGINS for _ in range(settings.sign_in_attempts)]
    logins += [f"inconnu-{i}" for i in range(30 - len(logins))]
    metrics = server.app.state.metrics.registry
    async with httpx.AsyncClient(base_url=server.http_url, timeout=120) as client:
        csrf = csrf_from((await client.get("/connexion")).text)

        async def wrong(login: str) -> int:
            response = await client.post("/connexion", data={"csrf": csrf, "login": login, "password": "pas-le-bon"})
            return response.status_code

        sign_ins = [asyncio.create_task(wrong(login)) for login in logins]

        def checks_started() -> float:
            return sum(
                metrics.get_sample_value("collab_sign_in_comparisons_total", {"kind": kind}) or 0
                for kind in ("password", "dummy")
            )

        while checks_started() < 2:  # the argon2 workers are busy
            await asyncio.sleep(0.01)
        for _ in range(20):  # on the event loop, each would wait for at least one check
            assert (await client.get("/healthz")).status_code == 200
        still_running = sum(not task.done() for task in sign_ins)
        assert still_running >= len(sign_ins) // 2, "/healthz waited for the password checks"
        assert await asyncio.gather(*sign_ins) == [401] * len(sign_ins)
    assert checks_started() == len(sign_ins)


class CountingHasher:
    """argon2's PasswordHasher, counting its calls (from the worker threads)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)

        def counted(*args: Any) -> Any:
            with self.lock:
                self.calls.append(name)
            return method(*args)

        return counted


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[CountingHasher]:
    """Counts the calls of the hasher the app's argon2 workers get (requested before the app starts)."""
    counting = CountingHasher(passwords.password_hasher(settings))
    monkeypatch.setattr(passwords, "password_hasher", lambda _settings: counting)
    yield counting


def test_known_and_unknown_logins_each_cost_one_hash_verify(
    hasher: CountingHasher, client: TestClient, school: DemoSchool
) -> None:
    cases = [
        ("mme.durand", "pas-le-bon", 401),  # a teacher, wrong password
        ("personne.inconnue", "pas-le-bon", 401),  # no such login
        ("lea.martin", "pas-le-bon", 401),  # a pupil on the adults' form
        ("", "pas-le-bon", 401),  # no login at all
        ("mme.durand", DEMO_PASSWORDS["mme.durand"], 303),
    ]
    for login, password, expected in cases:
        hasher.calls.clear()
        page = client.get("/connexion")
        response = client.post("/connexion", data={"csrf": csrf_from(page.text), "login": login, "password": password})
        assert response.status_code == expected
        assert hasher.calls == ["verify"], (login, hasher.calls)
        if expected == 401:
            assert "Ce n&#39;est pas le bon mot de passe" in response.text  # the same answer for all


def test_an_adult_account_is_throttled_like_a_pupils(client: TestClient, settings: Settings) -> None:
    for _ in range(settings.sign_in_attempts):
        assert sign_in_adult(client, "m.blanc", "pas-le-bon")[0] == 401
    status, text = sign_in_adult(client, "m.blanc", OTHER_PASSWORD)
    assert status == 429 and "Trop d&#39;essais pour ce compte. Attendez 1 minute" in text
    assert sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 303


def test_a_lock_does_not_tell_whether_a_login_exists(client: TestClient, settings: Settings) -> None:
    """Seven wrong passwords in a row get the same answers, in the same order, for a real login and
    for a login nobody has (an unknown login used to be answered 401 for ever)."""

    def answers(login: str) -> list[tuple[int, bool]]:
        replies = [sign_in_adult(client, login, "pas-le-bon") for _ in range(settings.sign_in_attempts + 2)]
        return [(status, "Trop d&#39;essais pour ce compte" in text) for status, text in replies]

    real, unknown = answers("s.bernard"), answers("x.nexistepas")
    assert real == unknown
    assert real[-1] == (429, True)


def test_a_known_laptop_signs_in_while_the_account_is_locked_elsewhere(settings: Settings, school: DemoSchool) -> None:
    with browser(settings) as laptop, browser(settings) as attacker:
        assert sign_in_adult(laptop, "m.blanc", OTHER_PASSWORD)[0] == 303
        laptop.post("/deconnexion", data={"csrf": csrf_from(laptop.get("/").text)})
        for _ in range(settings.sign_in_attempts):
            assert sign_in_adult(attacker, "m.blanc", "pas-le-bon")[0] == 401
        assert sign_in_adult(attacker, "m.blanc", OTHER_PASSWORD)[0] == 429
        assert sign_in_adult(laptop, "m.blanc", OTHER_PASSWORD)[0] == 303


# -- generated passwords ------------------------------------------------------------------------


def test_the_argon2_cost_is_a_setting_and_production_keeps_rfc_9106s() -> None:
    production = from_env({})
    assert hash_password(passwords.password_hasher(production), "x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    cheap = from_env({"COLLAB_ARGON2_TIME_COST": "1", "COLLAB_ARGON2_MEMORY_KIB": "64"})
    made = hash_password(passwords.password_hasher(cheap), "un-mot-de-passe")
    assert made.startswith("$argon2id$v=19$m=64,t=1,p=4$")
    # A check uses the cost written in the hash: the production hasher still checks a cheap hash.
    assert passwords.password_hasher(production).verify(made, "un-mot-de-passe")


def test_generated_passwords_are_four_common_words_and_at_least_44_bits() -> None:
    words = password_words()
    assert len(words) >= 2048 and len(set(words)) == len(words)
    assert all(re.fullmatch(r"[a-z]{4,8}", word) for word in words)  # no accent, capital, digit or sign
    assert generated_password_bits() >= 44 and generated_password_bits() == PASSWORD_WORDS * math.log2(len(words))
    made = {new_password() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        parts = password.split("-")
        assert len(parts) == 4 and all(part in words for part in parts)


# -- « Mon mot de passe » -----------------------------------------------------------------------

PAGE = "/mon-mot-de-passe"
NEW = "lavande-tabouret-volcan-ruban"


def change(client: TestClient, current: str, new: str, again: str | None = None) -> tuple[int, str]:
    csrf = csrf_from(client.get(PAGE).text)
    response = client.post(PAGE, data={"csrf": csrf, "current": current, "new": new, "again": again or new})
    return response.status_code, response.text


def test_an_adult_changes_her_password_and_her_other_sessions_are_closed(
    settings: Settings, school: DemoSchool
) -> None:
    with browser(settings) as laptop, browser(settings) as board:
        sign_in_as(laptop, "teacher", school)
        sign_in_as(board, "teacher", school)
        home = laptop.get("/")
        assert f'{PAGE}">Mon mot de passe</a>' in home.text
        page = laptop.get(PAGE)
        for field in ("current", "new", "again"):
            assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text
        assert re.search(r"<strong>[a-z]+(-[a-z]+){3}</strong>", page.text)  # a suggestion
        status, text = change(laptop, DEMO_PASSWORDS["mme.durand"], NEW)
        assert status == 200 and "Votre mot de passe a été changé" in text and "Vos autres sessions (1)" in text
        assert "Mes classes" in laptop.get("/").text  # this session goes on
        assert "Mes classes" not in board.get("/").text  # the other one is closed
    with browser(settings) as other:
        assert sign_in_adult(other, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 401
        assert sign_in_adult(other, "mme.durand", NEW)[0] == 303


@pytest.mark.parametrize(
    ("current", "new", "again", "status", "message"),
    [
        ("pas-le-bon", NEW, NEW, 401, "Ce n&#39;est pas votre mot de passe actuel"),
        (DEMO_PASSWORDS["p.martin"], "court", "court", 400, "au moins 10 caractères"),
        (DEMO_PASSWORDS["p.martin"], NEW, NEW + "x", 400, "ne sont pas identiques"),
        (DEMO_PASSWORDS["p.martin"], "x" * 129, "x" * 129, 400, "au plus 128 caractères"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    as_who: Any, settings: Settings, current: str, new: str, again: str, status: int, message: str
) -> None:
    parent = as_who("parent")
    got, text = change(parent, current, new, again)
    assert got == status and message in text and 'role="alert"' in text
    with browser(settings) as other:
        assert sign_in_adult(other, "p.martin", DEMO_PASSWORDS["p.martin"])[0] == 303


def test_the_password_page_needs_an_adults_session_and_csrf(as_who: Any, client: TestClient) -> None:
    assert client.get(PAGE, headers={"accept": "text/html"}).headers["location"].endswith("/connexion")
    assert as_who("lea").get(PAGE).status_code == 403
    admin = as_who("admin")
    forged = admin.post(PAGE, data={"csrf": "forged", "current": "x", "new": NEW, "again": NEW})
    assert forged.status_code == 403
    assert admin.get(PAGE).status_code == 200
