"""Revoking access reaches what is open: sign-out (this device, everywhere), new pictures and
expired tokens close document sockets, HTTP-fallback sessions and dashboards at once (4401), and
nothing sent afterwards is stored. Real uvicorn, real websockets clients, real SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from collab.demo.seeding import DEMO_PASSWORDS
from collab.errors import CollabError, NotSignedIn
from collab.models import Access
from collab.realtime import protocol
from collab.settings import Settings
from collab.store import Store
from tests.support.cli import collab
from tests.support.data import with_store
from tests.support.pupils import join, join_closed, open_session, post_form, signed_in
from tests.support.server import REPO, ServerThread, free_port, make_settings
from tests.support.web import DemoSchool
from tests.support.yclient import YClient, update_inserting

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No rate limit in the way: the writers below send as fast as they can.
    return make_settings(tmp_path / "data", rate_per_second=1e6, rate_burst=10**6)


async def keep_writing(client: YClient, word: str) -> int:
    """Send updates as fast as possible until the server closes the socket; how many were sent."""
    sent = 0
    with contextlib.suppress(ConnectionClosed):
        while not client.closed.is_set():
            await client.append(f"{word}{sent} ")
            sent += 1
            await asyncio.sleep(0)
    return sent


def stored_seqs(settings: Settings, doc: str) -> int:
    log = with_store(settings, lambda store: store.documents.read_log(doc))
    return log[-1].seq if log else 0


def spy_on_revocations(server: ServerThread, doc: str) -> dict[str, int]:
    """Record the room's last accepted update the instant the hub revokes access."""
    hub = server.hub
    original = hub.revoke_access
    seen: dict[str, int] = {}

    def spy(user_id: int, error: CollabError, **kwargs: Any) -> int:
        closed = original(user_id, error, **kwargs)
        room = hub.rooms.get(doc)
        seen["last_seq"] = room.last_seq + room.unnumbered if room is not None else -1
        return closed

    hub.revoke_access = spy  # type: ignore[method-assign]
    return seen


async def test_sign_out_everywhere_closes_sockets_that_keep_writing_and_stores_nothing_after(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    tablet, laptop = signed_in(settings, school, "lea"), signed_in(settings, school, "lea")
    token = await server.call(server.hub.store.accounts.create_token(school.lea_id))
    by_cookie = await join(server, school.lea_doc, tablet)
    by_token = await server.open(school.lea_doc, token)
    seen = spy_on_revocations(server, school.lea_doc)
    writers = [
        asyncio.create_task(keep_writing(by_cookie, "cookie")),
        asyncio.create_task(keep_writing(by_token, "jeton")),
    ]
    await by_token.wait_for(lambda c: "cookie20 " in c.value())  # both are writing now

    assert (await post_form(server, laptop, "/deconnexion/partout")).status_code == 303

    assert await by_cookie.wait_closed() == 4401
    assert await by_token.wait_closed() == 4401
    with anyio.fail_after(5):
        sent = await asyncio.gather(*writers)
    assert min(sent) > 20
    await server.call(server.hub.update_log.flush())
    # Every update stored was accepted before the revocation; none after, even those in flight.
    assert seen["last_seq"] > 0
    assert stored_seqs(settings, school.lea_doc) == seen["last_seq"]
    # And none of her credentials opens anything any more.
    assert await (await join_closed(server, school.lea_doc, tablet)).wait_closed() == 4401
    again = await YClient.connect(server.doc_url(school.lea_doc, token))
    assert await again.wait_closed() == 4401


async def test_sign_out_on_this_device_closes_only_what_it_opened(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    tablet, laptop = signed_in(settings, school, "lea"), signed_in(settings, school, "lea")
    on_tablet = await join(server, school.lea_doc, tablet)
    on_laptop = await join(server, school.lea_doc, laptop)
    assert (await post_form(server, tablet, "/deconnexion")).status_code == 303
    assert await on_tablet.wait_closed() == 4401
    await on_laptop.append("encore là")
    noe = await join(server, school.lea_doc, signed_in(settings, school, "noe"))
    await noe.wait_for(lambda c: "encore là" in c.value())
    assert not on_laptop.closed.is_set()
    await on_laptop.close()
    await noe.close()


async def test_sign_out_everywhere_ends_http_fallback_sessions(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    tablet, laptop = signed_in(settings, school, "lea"), signed_in(settings, school, "lea")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
        sync = await open_session(http, school.lea_doc, tablet)
        assert (await sync.poll()).status_code == 200  # the first frames (sync step 1)
        before = stored_seqs(settings, school.lea_doc)
        assert (await post_form(server, laptop, "/deconnexion/partout")).status_code == 303
        refused = await sync.send(protocol.encode_update(update_inserting("après la déconnexion")))
        assert refused.status_code == 401
        assert (await sync.poll()).status_code == 401
    await server.call(server.hub.update_log.flush())
    assert stored_seqs(settings, school.lea_doc) == before
    room = server.hub.rooms.get(school.lea_doc)
    assert room is None or not any(p.user.id == school.lea_id for p in room.peers)


async def test_sign_out_everywhere_closes_the_teachers_dashboards(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    board, phone = signed_in(settings, school, "teacher"), signed_in(settings, school, "teacher")
    url = f"ws://127.0.0.1:{server.port}/ws/tableau/{school.dictation_task_id}"
    async with connect(url, additional_headers={"Cookie": f"binome_session={board.cookie}"}) as dashboard:
        assert json.loads(await dashboard.recv())["type"] == "snapshot"
        assert (await post_form(server, phone, "/deconnexion/partout")).status_code == 303
        with anyio.fail_after(5), contextlib.suppress(ConnectionClosed):
            while True:
                await dashboard.recv()
        assert dashboard.close_code == 4401


async def test_new_pictures_sign_the_pupil_out_everywhere(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    lea = signed_in(settings, school, "lea")
    token = await server.call(server.hub.store.accounts.create_token(school.lea_id))
    socket = await join(server, school.lea_doc, lea)
    by_token = await server.open(school.lea_doc, token)
    teacher = signed_in(settings, school, "teacher")
    path = f"/enseignant/classe/{school.class_id}/eleves/{school.lea_id}/images"
    assert (await post_form(server, teacher, path)).status_code == 303
    assert await socket.wait_closed() == 4401
    assert await by_token.wait_closed() == 4401
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        assert (await http.get("/api/docs", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        assert (await http.get("/api/docs", headers={"Cookie": f"binome_session={lea.cookie}"})).status_code == 401


async def test_a_credential_revoked_between_its_check_and_its_join_is_refused(
    server: ServerThread, school: DemoSchool
) -> None:
    hub = server.hub

    class Channel:
        closed: tuple[int, str] | None = None

        def send(self, frame: bytes) -> None:
            pass

        def close(self, code: int, reason: str) -> None:
            self.closed = (code, reason)

    async def race() -> tuple[str, bool]:
        lea = await hub.store.accounts.get_user(school.lea_id)
        assert lea is not None
        mark = hub.revocation_mark()  # the socket checked its credential here…
        hub.revoke_access(lea.id, NotSignedIn("signed out"), credential="session:tablet")  # …then signed out
        refused = ""
        try:
            await hub.join(school.lea_doc, lea, Access.WRITE, Channel(), credential="session:tablet", since=mark)
        except NotSignedIn as exc:
            refused = exc.detail
        # Another device's session is not concerned.
        room, peer = await hub.join(
            school.lea_doc, lea, Access.WRITE, Channel(), credential="session:other", since=mark
        )
        room.leave(peer)
        return refused, peer.closed_by is None

    assert await server.call(race()) == ("signed out", True)


async def test_a_frame_already_on_its_way_when_access_is_revoked_is_not_stored(
    server: ServerThread, school: DemoSchool
) -> None:
    hub = server.hub

    class Channel:
        def send(self, frame: bytes) -> None:
            pass

        def close(self, code: int, reason: str) -> None:
            pass

    async def late_frame() -> tuple[int, int, int]:
        lea = await hub.store.accounts.get_user(school.lea_id)
        assert lea is not None
        room, peer = await hub.join(school.lea_doc, lea, Access.WRITE, Channel(), credential="session:tablet")
        await room.receive(peer, protocol.encode_update(update_inserting("avant")))
        await hub.update_log.flush()
        before = room.last_seq
        hub.revoke_access(lea.id, NotSignedIn("signed out everywhere"))
        code = 0
        try:  # the socket's receive loop had this frame in hand when the close was decided
            await room.receive(peer, protocol.encode_update(update_inserting("après")))
        except CollabError as exc:
            code = exc.close_code
        await hub.update_log.flush()
        return before, room.last_seq, code

    before, after, code = await server.call(late_frame())
    assert (after, code) == (before, 4401)


async def test_expired_tokens_open_nothing(server: ServerThread, school: DemoSchool) -> None:
    store = server.hub.store
    expired = await server.call(store.accounts.create_token(school.lea_id, lifetime=-1.0))
    valid = await server.call(store.accounts.create_token(school.lea_id, lifetime=3600.0))
    closed = await YClient.connect(server.doc_url(school.lea_doc, expired))
    assert await closed.wait_closed() == 4401
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        assert (await http.get("/api/docs", headers={"Authorization": f"Bearer {expired}"})).status_code == 401
        assert (await http.get("/api/docs", headers={"Authorization": f"Bearer {valid}"})).status_code == 200


# -- tokens never reach a log line ----------------------------------------------------------------


@contextlib.contextmanager
def serving(data: Path, log: Path, *args: str) -> Iterator[int]:
    """``collab serve`` as users run it, its output (stdout and stderr) going to ``log``."""
    port = free_port()
    env = {**os.environ, "COLLAB_LOG_LEVEL": "info", "COLLAB_ROOM_GRACE_SECONDS": "0.2"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "collab", "serve", "--data", str(data), "--port", str(port), *args],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(30)


async def test_tokens_in_urls_never_reach_the_log(settings: Settings, school: DemoSchool, tmp_path: Path) -> None:
    async def make_token() -> str:
        store = await Store.open(settings.store_target)
        try:
            return await store.accounts.create_token(school.lea_id)
        finally:
            await store.close()

    token = await make_token()
    log = tmp_path / "server.log"
    with serving(settings.data_dir, log) as port:
        client = await YClient.connect(f"ws://127.0.0.1:{port}/ws/doc/{school.lea_doc}?token={token}")
        await client.wait_synced()
        await client.close()
        refused = await YClient.connect(f"ws://127.0.0.1:{port}/ws/doc/{school.lea_doc}?token={token}x&a=1")
        assert await refused.wait_closed() == 4401
        feed = f"ws://127.0.0.1:{port}/ws/tableau/{school.dictation_task_id}?token={token}"
        async with connect(feed) as dashboard:  # Léa is no teacher: refused, and logged
            with contextlib.suppress(ConnectionClosed):
                await dashboard.recv()
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/api/docs?token={token}")).status_code == 200
    output = log.read_text()
    assert "?token=[masqué]" in output  # the lines are there…
    assert token not in output  # …without the token


async def test_demo_start_prints_no_token(tmp_path: Path) -> None:
    data, log = tmp_path / "demo", tmp_path / "demo.log"
    with serving(data, log, "--demo"):
        pass
    output = log.read_text()
    assert "collab token lea.martin" in output  # how to get one instead
    with sqlite3.connect(data / "collab.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL").fetchone()[0] == 0


async def test_tokens_revoked_elsewhere_or_expired_close_open_sockets(settings: Settings, school: DemoSchool) -> None:
    with ServerThread(settings.with_overrides(revalidate_seconds=0.1)) as server:
        store = server.hub.store
        revoked = await server.call(store.accounts.create_token(school.lea_id))
        expiring = await server.call(store.accounts.create_token(school.noe_id, lifetime=1.0))
        lea = await server.open(school.lea_doc, revoked)
        noe = await server.open(school.lea_doc, expiring)
        teacher = signed_in(settings, school, "teacher")
        reader = await join(server, school.lea_doc, teacher)
        # `collab token --revoke` runs in another process: the server learns it from the database.
        out = await asyncio.to_thread(collab, "token", "--revoke", "lea.martin", data=settings.data_dir)
        assert out.returncode == 0, out.stderr
        assert await lea.wait_closed() == 4401
        assert await noe.wait_closed() == 4401  # its token expired while it was open
        assert not reader.closed.is_set()  # a session still valid is not concerned
        await reader.close()


async def test_a_changed_password_closes_the_accounts_other_connections_and_tokens(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    laptop, board = signed_in(settings, school, "teacher"), signed_in(settings, school, "teacher")
    teacher = await server.call(server.hub.store.accounts.get_user_by_login("mme.durand"))
    assert teacher is not None
    token = await server.call(server.hub.store.accounts.create_token(teacher.id))
    url = f"ws://127.0.0.1:{server.port}/ws/tableau/{school.dictation_task_id}"
    async with (
        connect(url, additional_headers={"Cookie": f"binome_session={board.cookie}"}) as on_board,
        connect(url, additional_headers={"Cookie": f"binome_session={laptop.cookie}"}) as on_laptop,
    ):
        assert json.loads(await on_board.recv())["type"] == "snapshot"
        assert json.loads(await on_laptop.recv())["type"] == "snapshot"
        by_token = await server.open(school.lea_doc, token)
        new = "lavande-tabouret-volcan-ruban"
        response = await post_form(
            server, laptop, "/mon-mot-de-passe", current=DEMO_PASSWORDS["mme.durand"], new=new, again=new
        )
        assert response.status_code == 200
        with anyio.fail_after(5), contextlib.suppress(ConnectionClosed):
            while True:
                await on_board.recv()
        assert on_board.close_code == 4401
        assert await by_token.wait_closed() == 4401
        await on_laptop.ping()  # the session that changed the password goes on
        assert on_laptop.close_code is None
