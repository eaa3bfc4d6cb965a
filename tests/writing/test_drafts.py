"""Second drafts over the real server: the pair rewrites the published text live, a tablet that
still holds the first draft merges without duplicating it, and the same agreement publishes it."""

from __future__ import annotations

import httpx
import pytest
from pycrdt import Doc, Text

from collab.realtime.crdt import TEXT_NAME, build_doc
from collab.settings import Settings
from collab.store import Store
from collab.writing.drafts import draft_id, draft_title
from tests.support.data import class_posts, doc_status, with_store
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.pupils import agree, join, signed_in
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_as
from tests.support.yclient import YClient


def test_draft_names() -> None:
    assert draft_id("t2-p1", 2) == "t2-p1-j2" and draft_id("t2-p1-j2", 3) == "t2-p1-j3"
    assert draft_title("Mon portrait", 2) == "Mon portrait (deuxième jet)"
    assert draft_title("Mon portrait (deuxième jet)", 3) == "Mon portrait (troisième jet)"
    assert draft_title("Récit", 7) == "Récit (jet n° 7)"


@pytest.mark.anyio
async def test_the_pair_rewrites_and_publishes_the_second_draft(
    server: ServerThread, settings: Settings, school: DemoSchool
) -> None:
    write_and_agree(settings, school)
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        started = await http.post(
            f"/texte/{school.lea_doc}/jet-suivant",
            data={"csrf": lea.csrf},
            headers={"Cookie": f"binome_session={lea.cookie}"},
        )
    assert started.status_code == 303
    second = school.lea_doc + "-j2"
    a, b = await join(server, second, lea), await join(server, second, noe)
    assert str(a.text) == LEA_DICTATION  # the published text, with its history
    # a tablet that kept the first draft's document (offline since) joins: nothing doubles
    first_state = with_store(settings, lambda store: _first_draft_update(store, school.lea_doc))
    stale_doc: Doc = Doc()
    stale_doc.apply_update(first_state)
    stale = await YClient.connect(
        server.doc_url(second), doc=stale_doc, additional_headers={"Cookie": f"binome_session={lea.cookie}"}
    )
    await stale.wait_synced()
    assert str(stale_doc.get(TEXT_NAME, type=Text)) == LEA_DICTATION
    fixed = LEA_DICTATION.replace("arrive très", "arrivent très")
    at = len(LEA_DICTATION[: LEA_DICTATION.index("arrive très") + len("arrive")].encode())
    a.text.insert(at, "nt")
    await a.flush()
    await b.wait_text(fixed)
    assert (await agree(server, second, lea, a.doc.get_state())).status_code == 200
    await b.wait_text(fixed)
    outcome = await agree(server, second, noe, b.doc.get_state())
    assert outcome.status_code == 200 and outcome.json()["post"] is not None
    rows = [(p.doc_id, p.body, p.task_id) for p in class_posts(settings, school)]
    assert rows == [
        (school.lea_doc, LEA_DICTATION, school.dictation_task_id),
        (second, fixed, school.dictation_task_id),
    ]
    for client in (a, b, stale):
        await client.close()


async def _first_draft_update(store: Store, doc_id: str) -> bytes:
    return build_doc(await store.documents.load(doc_id)).get_update()


def test_a_second_draft_stays_in_the_teachers_hands(settings: Settings, school: DemoSchool) -> None:
    """The task's page lists it, its lock locks it, ending the task closes it, the feed shows it."""
    write_and_agree(settings, school)
    second = school.lea_doc + "-j2"
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        csrf = csrf_from(lea.get("/").text)
        assert lea.post(f"/texte/{school.lea_doc}/jet-suivant", data={"csrf": csrf}).status_code == 303
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        tasks = teacher.get(f"/enseignant/classe/{school.class_id}/taches").text
        assert (
            f"/enseignant/tache/{school.dictation_task_id}/document/{second}/verrou" in tasks
            and "deuxième jet" in tasks
        )
        csrf = csrf_from(tasks)
        lock = f"/enseignant/tache/{school.dictation_task_id}/document/{second}/verrou"
        assert teacher.post(lock, data={"csrf": csrf, "action": "lock"}).status_code == 303
        assert doc_status(settings, second) == "locked"
        assert teacher.post(lock, data={"csrf": csrf, "action": "unlock"}).status_code == 303
        end = f"/enseignant/tache/{school.dictation_task_id}/terminer"
        assert teacher.post(end, data={"csrf": csrf}).status_code == 303
    assert doc_status(settings, second) == "locked"  # ending the task closed the second draft too
    assert doc_status(settings, school.lea_doc) == "published"
