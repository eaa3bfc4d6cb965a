"""Request bodies: who is asking before a byte is read, every body capped while it streams.

The attacks run against ``collab serve`` in a subprocess, over raw sockets: 400 MB chunked
bodies generated lazily, whose sender stops as soon as the server answers.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import anyio
import httpx
import psutil
import pytest
from starlette.routing import Route

from collab.app import create_app
from collab.settings import Settings
from collab.web.bodies import FORM_BYTES
from tests.support.audio_samples import tone_wav
from tests.support.bodies import ATTACK_BYTES, MB, chunked_post, declared_post
from tests.support.pupils import signed_in
from tests.support.server import ServerProcess, ServerThread
from tests.support.web import ADULTS, DemoSchool, browser, csrf_from, seed_demo_school, sign_in_as

pytestmark = pytest.mark.anyio

#: The start of a multipart body whose file never ends.
FILE_PART = b'--x\r\nContent-Disposition: form-data; name="file"; filename="dictee.wav"\r\n\r\n'


def _rss(proc: psutil.Process) -> int:
    return int(proc.memory_info().rss)


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_huge_chunked_bodies_are_cut_at_their_cap_without_memory_or_temp_files(
    settings: Settings, tmp_path: Path
) -> None:
    school = await seed_demo_school(settings)
    pupil = await anyio.to_thread.run_sync(signed_in, settings, school, "lea")
    other = await anyio.to_thread.run_sync(signed_in, settings, school, "noe")
    temp = tmp_path / "server-tmp"
    temp.mkdir()
    with ServerProcess(settings, TMPDIR=str(temp)) as server:
        assert server.proc is not None
        proc = psutil.Process(server.proc.pid)
        cookie = {"Cookie": f"binome_session={pupil.cookie}", "x-csrf-token": pupil.csrf}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
            opened = await http.post(f"/sync/doc/{school.lea_doc}", headers=cookie)
            assert opened.status_code == 200, opened.text
            sync_key = opened.json()["session"]
        upload = f"/enseignant/classe/{school.class_id}/mediatheque"
        multipart = {"Content-Type": "multipart/form-data; boundary=x"}
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        attacks = [
            # (path, headers, what the body starts with, expected status)
            ("/connexion", form, b"login=", 413),
            (f"/classe/{school.code}/{school.lea_id}", form, b"pictures=", 413),
            (upload, multipart, FILE_PART, 401),
            (upload, {**multipart, "Cookie": f"binome_session={other.cookie}"}, FILE_PART, 403),
            (f"/sync/doc/{school.lea_doc}/{sync_key}", cookie, b"", 413),
            (f"/ecrire/{school.lea_doc}/accord", {**cookie, "Content-Type": "application/json"}, b'{"version": "', 413),
            (f"/ecrire/{school.lea_doc}/accord", {"Content-Type": "application/json"}, b'{"version": "', 401),
        ]
        for path, headers, prefix, status in attacks:  # warm-up: the first request of each kind
            assert (await chunked_post(server.port, path, headers, 2 * MB, prefix))[0] == status, path
        before, written = _rss(proc), proc.io_counters().write_bytes
        for path, headers, prefix, status in attacks:
            answered, sent = await chunked_post(server.port, path, headers, ATTACK_BYTES, prefix)
            assert answered == status, path
            # The sender was stopped long before its 400 MB: what the server read (at most the
            # route's cap, 1 MB here) plus what the sockets' buffers hold.
            assert sent < 32 * MB, (path, sent)
        grown = _rss(proc) - before
        assert grown < 8 * MB, f"the server grew by {grown / MB:.1f} MB"
        # Nothing spooled to disk either (Starlette's temporary files are unlinked at once, so
        # they are counted in what the process wrote, not looked for in a folder).
        assert proc.io_counters().write_bytes - written < 4 * MB
        assert _files_under(temp) == []
        assert _files_under(settings.media_dir / "tmp") == []


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    settings: Settings, school: DemoSchool, server: ServerThread
) -> None:
    huge = 10**12
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert await declared_post(server.port, "/connexion", huge, form) == 413
    assert await declared_post(server.port, "/connexion", FORM_BYTES + 1, form) == 413
    upload = f"/enseignant/classe/{school.class_id}/mediatheque"
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    assert await declared_post(server.port, upload, huge, multipart) == 401
    teacher = await anyio.to_thread.run_sync(_cookie_of, settings, school, "teacher")
    assert await declared_post(server.port, upload, huge, {"Cookie": f"binome_session={teacher}", **multipart}) == 413


def _cookie_of(settings: Settings, school: DemoSchool, who: str) -> str:
    with browser(settings) as client:
        return sign_in_as(client, who, school)


async def test_every_post_route_answers_a_stranger_without_reading_the_body(
    settings: Settings, school: DemoSchool, server: ServerThread
) -> None:
    """Whatever route (including forms added later): no session, a body announced and never sent,
    an answer all the same (401, 404 for a forged id, 413 for the public sign-in forms)."""
    app = create_app(settings)
    paths = sorted(
        {
            re.sub(r"\{[^}]+\}", "1", route.path)
            for route in app.web.router.routes
            if isinstance(route, Route) and route.methods and "POST" in route.methods
        }
    )
    assert len(paths) > 30
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = await asyncio.gather(*(declared_post(server.port, path, 10 * MB, form) for path in paths))
    for path, status in zip(paths, answers, strict=True):
        assert status in (401, 404, 413), (path, status)


async def test_a_teachers_upload_and_forms_still_work(
    settings: Settings, school: DemoSchool, server: ServerThread
) -> None:
    def upload() -> tuple[int, str]:
        with httpx.Client(base_url=server.http_url, follow_redirects=False, timeout=30) as http:
            login, password = ADULTS["teacher"]
            page = http.get("/connexion")
            signed = http.post("/connexion", data={"csrf": csrf_from(page.text), "login": login, "password": password})
            assert signed.status_code == 303
            url = f"/enseignant/classe/{school.class_id}/mediatheque"
            csrf = csrf_from(http.get(url).text)
            sent = http.post(
                url, data={"csrf": csrf}, files={"file": ("dictée.wav", tone_wav(30.0, rate=16000), "audio/wav")}
            )
            return sent.status_code, http.get(url).text

    status, page = await anyio.to_thread.run_sync(upload)
    assert status == 303
    assert "dictée" in page


async def test_a_file_over_the_media_cap_is_refused_with_413(settings: Settings, tmp_path: Path) -> None:
    school = await seed_demo_school(settings)
    small = settings.with_overrides(max_media_bytes=200_000)
    with ServerThread(small) as server:
        teacher = await anyio.to_thread.run_sync(_cookie_of, small, school, "teacher")
        status, sent = await chunked_post(
            server.port,
            f"/enseignant/classe/{school.class_id}/mediatheque",
            {"Content-Type": "multipart/form-data; boundary=x", "Cookie": f"binome_session={teacher}"},
            total=50 * MB,
            prefix=FILE_PART,
        )
        assert status == 413
        assert sent < 40 * MB
    assert _files_under(small.media_dir / "tmp") == []


async def test_the_413_is_french_for_browsers_and_json_for_clients(
    school: DemoSchool, server: ServerThread, http: httpx.AsyncClient
) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = b"login=" + b"a" * (FORM_BYTES + 1)
    page = await http.post("/connexion", content=body, headers={**form, "accept": "text/html"})
    assert page.status_code == 413 and "trop gros pour être envoyé : 64 Ko au plus" in page.text
    assert page.headers["connection"] == "close"
    api = await http.post("/connexion", content=body, headers=form)
    assert api.status_code == 413
    assert api.json()["error"] == "C'est trop gros pour être envoyé : 64 Ko au plus."
    assert api.json()["close_code"] == 4413
