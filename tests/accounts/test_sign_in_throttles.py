"""Sign-in against bursts, on a real server: picture guesses, known devices, class-code scans."""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets

import httpx
import pytest

from collab.accounts.sign_in import DEVICE_COOKIE, PICTURES
from collab.settings import Settings
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, csrf_from

pytestmark = pytest.mark.anyio

HTML = {"accept": "text/html"}
_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def comparisons(server: ServerThread, kind: str = "pictures") -> float:
    value = server.app.state.metrics.registry.get_sample_value("collab_sign_in_comparisons_total", {"kind": kind})
    return float(value or 0)


def triples(right: tuple[int, ...], count: int) -> list[str]:
    """``count`` different wrong picture sequences, in a random order."""
    every = [t for t in itertools.permutations(range(1, len(PICTURES) + 1), 3) if t != right]
    return [",".join(map(str, t)) for t in random.sample(every, count)]


async def picture_form(client: httpx.AsyncClient, school: DemoSchool) -> tuple[str, str]:
    """The pupil's picture page: its URL and the CSRF field (the client keeps the cookie)."""
    url = f"/classe/{school.code}/{school.lea_id}"
    page = await client.get(url)
    assert page.status_code == 200
    return url, csrf_from(page.text)


async def burst(client: httpx.AsyncClient, url: str, csrf: str, guesses: list[str]) -> list[int]:
    async def one(pictures: str) -> int:
        response = await client.post(url, data={"csrf": csrf, "pictures": pictures}, headers=HTML)
        return response.status_code

    return list(await asyncio.gather(*(one(g) for g in guesses)))


def right_of(school: DemoSchool) -> str:
    return ",".join(map(str, school.lea_pictures))


async def test_a_burst_of_picture_guesses_gets_no_more_comparisons_than_the_limit(
    server: ServerThread, school: DemoSchool, settings: Settings
) -> None:
    limit = settings.sign_in_attempts
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as attacker:
        url, csrf = await picture_form(attacker, school)
        guesses = triples(school.lea_pictures, 400)
        guesses.insert(random.randrange(len(guesses)), right_of(school))
        statuses = await burst(attacker, url, csrf, guesses)
    compared = comparisons(server)
    if 303 not in statuses:  # the right sequence came too late: refused, never compared
        assert statuses.count(401) == limit and statuses.count(429) == len(guesses) - limit
        assert compared == limit
    else:  # it was among the first ones compared (5 chances in 401, as in a sequence); it cleared the budget
        assert statuses.count(303) == 1 and statuses.count(401) <= 2 * limit - 1
        assert statuses.count(401) == compared - 1
    # Afterwards the account is locked for unknown devices: even the right pictures are refused.
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as other:
        url, csrf = await picture_form(other, school)
        if 303 not in statuses:
            refused = await other.post(url, data={"csrf": csrf, "pictures": right_of(school)}, headers=HTML)
            assert refused.status_code == 429 and "Trop d&#39;essais" in refused.text
            assert int(refused.headers["retry-after"]) > 0
    assert comparisons(server) == compared


async def test_the_pupils_usual_tablet_still_signs_in_while_an_attacker_locks_the_account(
    server: ServerThread, school: DemoSchool, settings: Settings
) -> None:
    limit = settings.sign_in_attempts
    async with (
        httpx.AsyncClient(base_url=server.http_url, timeout=60) as tablet,
        httpx.AsyncClient(base_url=server.http_url, timeout=60) as attacker,
    ):
        # Léa signs in on her tablet once: it becomes a known device of her account.
        url, tablet_csrf = await picture_form(tablet, school)
        first = await tablet.post(url, data={"csrf": tablet_csrf, "pictures": right_of(school)})
        assert first.status_code == 303 and tablet.cookies.get(DEVICE_COOKIE)
        # Someone else guesses from another device: the account is locked for unknown devices…
        _, attacker_csrf = await picture_form(attacker, school)
        statuses = await burst(attacker, url, attacker_csrf, triples(school.lea_pictures, 200))
        assert statuses.count(401) == limit and statuses.count(429) == 200 - limit
        assert comparisons(server) == 1 + limit
        locked = await attacker.post(url, data={"csrf": attacker_csrf, "pictures": right_of(school)}, headers=HTML)
        assert locked.status_code == 429
        # … but not on Léa's tablet.
        again = await tablet.post(url, data={"csrf": tablet_csrf, "pictures": right_of(school)})
        assert again.status_code == 303
        # A burst of wrong pictures from the known tablet is limited too (its own budget).
        statuses = await burst(tablet, url, tablet_csrf, triples(school.lea_pictures, 100))
        assert statuses.count(401) == limit and statuses.count(429) == 100 - limit
        assert comparisons(server) == 2 + 2 * limit
        locked = await tablet.post(url, data={"csrf": tablet_csrf, "pictures": right_of(school)}, headers=HTML)
        assert locked.status_code == 429


async def test_a_stolen_device_cookie_of_another_account_gives_no_budget(
    server: ServerThread, school: DemoSchool, settings: Settings
) -> None:
    """Noé's tablet is not a known device of Léa's account: it spends the unknown devices' budget."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as tablet:
        noe_url = f"/classe/{school.code}/{school.noe_id}"
        csrf = csrf_from((await tablet.get(noe_url)).text)
        noe = ",".join(map(str, school.noe_pictures))
        assert (await tablet.post(noe_url, data={"csrf": csrf, "pictures": noe})).status_code == 303
        url, _ = await picture_form(tablet, school)
        statuses = await burst(tablet, url, csrf, triples(school.lea_pictures, 50))
        assert statuses.count(401) == settings.sign_in_attempts
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as other:
            _, other_csrf = await picture_form(other, school)
            refused = await other.post(url, data={"csrf": other_csrf, "pictures": right_of(school)})
            assert refused.status_code == 429


def random_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


async def test_a_burst_of_random_class_codes_is_stopped(
    server: ServerThread, school: DemoSchool, settings: Settings
) -> None:
    budget = settings.class_code_misses
    codes = [random_code() for _ in range(400)]
    codes.insert(random.randrange(len(codes)), school.code)  # the scan would find this one
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as scanner:

        async def look_up(i: int, code: str) -> tuple[str, int]:
            # Both ways in: the sign-in form's lookup and the class page (the QR code's target).
            if i % 2:
                response = await scanner.get("/classe", params={"code": code}, headers=HTML)
            else:
                response = await scanner.get(f"/classe/{code}", headers=HTML)
            return code, response.status_code

        answers = await asyncio.gather(*(look_up(i, code) for i, code in enumerate(codes)))
        statuses = [status for _, status in answers]
        assert statuses.count(404) <= budget and statuses.count(429) >= len(codes) - budget - 1
        assert set(statuses) <= {200, 303, 404, 429}
        blocked = await scanner.get(f"/classe/{school.code}", headers=HTML)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "Trop de codes de classe inconnus" in blocked.text and "Attends" in blocked.text
        assert "Léa" not in blocked.text
        assert (await scanner.get(f"/classe/{school.code}/{school.lea_id}", headers=HTML)).status_code == 429
    assert (
        server.app.state.metrics.registry.get_sample_value("collab_sign_in_refused_total", {"reason": "class_codes"})
        == statuses.count(429) + 2
    )
    # Another school (another address behind the proxy) is not affected.
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as elsewhere:
        other = await elsewhere.get(f"/classe/{school.code}", headers={**HTML, "x-forwarded-for": "192.0.2.7"})
        assert other.status_code == 200 and "Léa" in other.text


async def test_a_whole_school_typing_codes_at_nine_never_waits(
    server: ServerThread, school: DemoSchool, settings: Settings
) -> None:
    """300 pupils behind one address type their (right) code at once, some mistype it first."""
    typos = [random_code() for _ in range(settings.class_code_misses // 2)]
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as school_network:

        async def pupil(code: str) -> int:
            response = await school_network.get("/classe", params={"code": code}, headers=HTML)
            return response.status_code

        statuses = await asyncio.gather(*(pupil(code) for code in [school.code] * 300 + typos))
        assert list(statuses[:300]) == [303] * 300
        assert list(statuses[300:]) == [404] * len(typos)
        names = await school_network.get(f"/classe/{school.code}", headers=HTML)
        assert names.status_code == 200
