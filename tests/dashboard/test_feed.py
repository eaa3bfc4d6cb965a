"""The class feed of the teacher's dashboard, over a real server: content, throttling, refusals,
locking, messages to a pair and the end of a task."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from collab.settings import Settings
from tests.support.data import class_posts
from tests.support.feed import OPEN, Feed, open_feed
from tests.support.followup_data import write_and_agree
from tests.support.pupils import Pupil, form_post, join, signed_in
from tests.support.server import ServerThread, make_settings
from tests.support.web import DemoSchool, browser, sign_in_as
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
async def close_feeds() -> AsyncIterator[None]:
    yield
    while OPEN:
        await OPEN.pop().close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The burst test types 500 keys in well under a second: lift the per-user rate limit.
    return make_settings(tmp_path / "data", rate_per_second=2000.0, rate_burst=2000)


@pytest.fixture
def teacher_session(settings: Settings, school: DemoSchool) -> Pupil:
    return signed_in(settings, school, "teacher")


async def test_the_snapshot_lists_every_pair_with_its_state(
    server: ServerThread, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    with anyio.fail_after(5):
        while not feed.messages:
            await feed.changed.wait()
    snapshot = feed.messages[0][1]
    assert snapshot["type"] == "snapshot" and len(snapshot["pairs"]) == 12
    lea = feed.card(school.lea_doc)
    assert lea is not None
    assert [m["name"] for m in lea["members"]] == ["Léa", "Noé"]
    assert lea["state"] == "writing" and lea["label"] == "en cours" and lea["text"] == "" and lea["connected"] == []
    assert lea["progress"]["matched"] == 0 and lea["progress"]["total"] > 60


async def test_typing_shows_on_the_dashboard(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    card = await feed.wait_card(school.lea_doc, lambda c: c["connected"] == [school.lea_id])
    await lea.append("Le marché du village. Chaque samedi matin")
    card = await feed.wait_card(school.lea_doc, lambda c: c["text"].endswith("matin"))
    assert card["last_author"] == school.lea_id
    # words and progress are recounted at most every three seconds, then refreshed by themselves
    card = await feed.wait_card(school.lea_doc, lambda c: c["words"] == 7, seconds=10)
    assert card["progress"]["matched"] == 7  # every word so far is the dictation's
    assert sum(card["activity"]) >= 1 and card["last_edit"] is not None
    other = feed.card(school.other_pair_doc)
    assert other is not None and other["text"] == ""


async def test_a_burst_of_keystrokes_gives_at_most_ten_messages_a_second(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    await feed.wait_card(school.lea_doc, lambda c: c["connected"] == [school.lea_id])
    start = time.monotonic()
    for i in range(500):
        lea.text.insert(len(lea.text), "abcdefghij"[i % 10])
        await lea.flush()
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # about 500 keys in 0.5-1 s, the rate limit lets them through
    typed = lea.value()
    await feed.wait_card(school.lea_doc, lambda c: c["text"] == typed)
    elapsed = time.monotonic() - start
    about_lea = [
        at for at, m in feed.messages if m["type"] == "update" and any(p["doc"] == school.lea_doc for p in m["pairs"])
    ]
    assert len(about_lea) <= 10 * elapsed + 2, (len(about_lea), elapsed)
    gaps = [b - a for a, b in itertools.pairwise(about_lea)]
    assert all(gap >= 0.08 for gap in gaps), gaps


@pytest.mark.parametrize(
    ("who", "task", "code"),
    [
        ("other teacher", "dictation", 4403),
        ("lea", "dictation", 4403),
        ("parent", "dictation", 4403),
        ("admin", "dictation", 4403),
        (None, "dictation", 4401),
        ("teacher", "999", 4404),
        ("teacher", "abc", 4404),
    ],
)
async def test_only_the_class_teacher_gets_the_feed(
    server: ServerThread, settings: Settings, school: DemoSchool, who: str | None, task: str, code: int
) -> None:
    cookie = None
    if who is not None:
        with browser(settings) as client:
            cookie = sign_in_as(client, who, school)
    task_id = school.dictation_task_id if task == "dictation" else task
    ws = await open_feed(server, task_id, cookie)
    with pytest.raises(ConnectionClosed) as closed:
        with anyio.fail_after(5):
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_lock_and_unlock_from_the_dashboard(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    lea_pupil = signed_in(settings, school, "lea")
    lea = await join(server, school.lea_doc, lea_pupil)
    path = f"/enseignant/tache/{school.dictation_task_id}/document/{school.lea_doc}/verrou"
    status, _ = await form_post(server, teacher_session, path, action="lock")
    assert status == 303
    assert await lea.wait_closed() == 4409
    await feed.wait_card(school.lea_doc, lambda c: c["label"] == "en pause")
    status, _ = await form_post(server, teacher_session, path, action="unlock")
    await feed.wait_card(school.lea_doc, lambda c: c["state"] == "writing")
    again = await join(server, school.lea_doc, lea_pupil)
    await again.append("de retour")
    await feed.wait_card(school.lea_doc, lambda c: c["text"] == "de retour")


async def test_a_message_reaches_the_pair_screens(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    path = f"/enseignant/tache/{school.dictation_task_id}/document/{school.lea_doc}/message"
    status, text = await form_post(server, teacher_session, path, text="Relisez !")
    assert status == 409 and "error" in json.loads(text)  # nobody there to read it
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    status, _ = await form_post(server, teacher_session, path, text="Relisez les accords !")
    assert status == 200

    def has_message(client: Any) -> bool:
        return any("Relisez les accords !" in state for state in client.awareness.values())

    await lea.wait_for(has_message)
    other = f"/enseignant/tache/{school.dictation_task_id}/document/t999-p1/message"
    assert (await form_post(server, teacher_session, other, text="x"))[0] == 404


async def test_ending_the_task_closes_writing_and_publishes_nothing(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    lea_pupil = signed_in(settings, school, "lea")
    lea = await join(server, school.lea_doc, lea_pupil)
    await lea.append("Pas fini")
    path = f"/enseignant/tache/{school.dictation_task_id}/terminer"
    assert (await form_post(server, teacher_session, path))[0] == 303
    assert await lea.wait_closed() == 4409
    card = await feed.wait_card(school.lea_doc, lambda c: c["label"] == "terminé")
    assert card["text"] == "Pas fini"
    late = await YClient.connect(
        server.doc_url(school.lea_doc), additional_headers={"Cookie": f"binome_session={lea_pupil.cookie}"}
    )
    assert await late.wait_closed() == 4409
    assert class_posts(settings, school) == []


async def test_updates_carry_only_the_changes_and_the_text_as_kept_and_added(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    lea = await join(server, school.lea_doc, signed_in(settings, school, "lea"))
    await feed.wait_card(school.lea_doc, lambda c: c["connected"] == [school.lea_id])
    await lea.append("Le marché 🐟 du village")
    await feed.wait_card(school.lea_doc, lambda c: c["text"] == "Le marché 🐟 du village")
    lea.text.insert(len(b"Le "), "petit ")  # an edit before the end (pycrdt counts UTF-8 bytes)
    await lea.flush()
    card = await feed.wait_card(school.lea_doc, lambda c: c["text"] == "Le petit marché 🐟 du village")
    updates = [p for _, m in feed.messages if m["type"] == "update" for p in m["pairs"] if p["doc"] == school.lea_doc]
    assert all("members" not in p and "pair" not in p and "text" not in p for p in updates)
    assert updates[-1]["keep"] == len("Le ") and updates[-1]["add"].startswith("petit marché 🐟")
    card = await feed.wait_card(
        school.lea_doc, lambda c: c["words"] == 5, seconds=10
    )  # counted again within three seconds
    assert card["progress"]["matched"] >= 2


async def test_a_second_draft_appears_on_the_open_dashboard(
    server: ServerThread, settings: Settings, school: DemoSchool, teacher_session: Pupil
) -> None:
    write_and_agree(settings, school)
    feed = Feed(await open_feed(server, school.dictation_task_id, teacher_session.cookie))
    await feed.wait_card(school.lea_doc, lambda c: c["label"] == "publié")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        started = await http.post(
            f"/texte/{school.lea_doc}/jet-suivant",
            data={"csrf": teacher_session.csrf},
            headers={"Cookie": f"binome_session={teacher_session.cookie}"},
        )
    assert started.status_code == 303
    card = await feed.wait_card(school.lea_doc + "-j2", lambda c: c["state"] == "writing")
    assert card["draft"] == 2 and card["pair"] == 1 and card["text"].startswith("Le marché du village.")
