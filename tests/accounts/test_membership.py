"""Membership changes reach open connections at once: a pupil taken out of the class, or every
pupil of an archived class, is cut off the class's texts mid-lesson (4403) and writes nothing
more; the teacher still reads, watches and locks those texts. Real uvicorn, real sockets."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect

from collab.demo.seeding import DEMO_SCHOOL_YEAR
from collab.realtime import protocol
from collab.settings import Settings
from tests.support.data import doc_status, stored_text_has
from tests.support.pupils import Pupil, join, join_closed, open_session, post_form, signed_in
from tests.support.server import ServerThread
from tests.support.web import DemoSchool
from tests.support.yclient import YClient, update_inserting

pytestmark = pytest.mark.anyio


async def teacher_still_reads_watches_and_locks(
    server: ServerThread,
    settings: Settings,
    school: DemoSchool,
    teacher: Pupil,
    writer: YClient | None,
    *,
    archived: bool = False,
) -> None:
    """The class's teacher opens the text (read), its task's dashboard and feed, and locks it
    (not once the class is archived: then it is read only, 403)."""
    reader = await join(server, school.lea_doc, teacher)
    headers = {"Cookie": f"binome_session={teacher.cookie}"}
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10, headers=headers) as http:
        assert (await http.get(f"/ecrire/{school.lea_doc}")).status_code == 200
        assert (await http.get(f"/enseignant/tache/{school.dictation_task_id}/tableau")).status_code == 200
        assert (await http.get(f"/enseignant/classe/{school.class_id}/taches")).status_code == 200
        assert (await http.get(f"/enseignant/document/{school.lea_doc}/replay.json")).status_code == 200
    feed = f"ws://127.0.0.1:{server.port}/ws/tableau/{school.dictation_task_id}"
    async with connect(feed, additional_headers=headers) as dashboard:
        snapshot = json.loads(await dashboard.recv())
        assert school.lea_doc in {card["doc"] for card in snapshot["pairs"]}
    path = f"/enseignant/tache/{school.dictation_task_id}/document/{school.lea_doc}/verrou"
    if archived:
        assert (await post_form(server, teacher, path, action="lock")).status_code == 403
        assert doc_status(settings, school.lea_doc) == "open"
    else:
        assert (await post_form(server, teacher, path, action="lock")).status_code == 303
        assert doc_status(settings, school.lea_doc) == "locked"
    if writer is not None:
        assert await writer.wait_closed() == 4409  # a writer still there is told it is locked
    await reader.close()


async def test_a_pupil_removed_mid_lesson_writes_no_more(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    teacher = signed_in(settings, school, "teacher")
    lea_socket = await join(server, school.lea_doc, lea)
    noe_socket = await join(server, school.lea_doc, noe)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
        fallback = await open_session(http, school.lea_doc, lea)  # Léa's other tablet, behind a proxy
        await lea_socket.append("avant ")
        await noe_socket.wait_for(lambda c: "avant" in c.value())

        path = f"/enseignant/classe/{school.class_id}/eleves/{school.lea_id}/retirer"
        assert (await post_form(server, teacher, path)).status_code == 303

        assert await lea_socket.wait_closed() == 4403
        refused = await fallback.send(protocol.encode_update(update_inserting("par le secours")))
        assert refused.status_code == 403
    assert await (await join_closed(server, school.lea_doc, lea)).wait_closed() == 4403
    await noe_socket.append("Noé continue")  # the partner is not affected
    await server.call(server.hub.update_log.flush())
    assert stored_text_has(settings, school.lea_doc, "Noé continue")
    assert not stored_text_has(settings, school.lea_doc, "par le secours")
    await teacher_still_reads_watches_and_locks(server, settings, school, teacher, noe_socket)


async def test_a_class_archived_mid_lesson_writes_no_more(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    teacher, admin = signed_in(settings, school, "teacher"), signed_in(settings, school, "admin")
    lea_socket = await join(server, school.lea_doc, lea)
    noe_socket = await join(server, school.lea_doc, noe)
    await lea_socket.append("avant l'archivage ")
    await noe_socket.wait_for(lambda c: "avant" in c.value())

    klass = await server.call(server.hub.store.schools.get_class(school.class_id))
    assert klass is not None
    path = f"/admin/ecole/{klass.school_id}/annee"
    assert (await post_form(server, admin, path, year=DEMO_SCHOOL_YEAR, confirm="oui")).status_code == 303

    assert await lea_socket.wait_closed() == 4403
    assert await noe_socket.wait_closed() == 4403
    for pupil in (lea, noe):
        assert await (await join_closed(server, school.lea_doc, pupil)).wait_closed() == 4403
    await server.call(server.hub.update_log.flush())
    assert stored_text_has(settings, school.lea_doc, "avant l'archivage")
    await teacher_still_reads_watches_and_locks(server, settings, school, teacher, None, archived=True)
    headers = {"Cookie": f"binome_session={teacher.cookie}"}
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10, headers=headers) as http:
        home = (await http.get("/")).text
        assert "Classes archivées" in home and "CM1-CM2 Durand" in home
        # Archived: no new task, no roster change.
        assert (await http.get(f"/enseignant/classe/{school.class_id}")).status_code == 403
