"""Three workers on one PostgreSQL and one Redis: any worker serves any connection, nothing is lost.

Each worker is a `collab serve` process of its own. Léa and Noé write one text from two workers,
the teacher's dashboard is on the third; workers are killed with SIGKILL, Redis is restarted and
PostgreSQL stopped while they type.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random

import httpx
import pytest

from collab.accounts.sign_in import PICTURES
from collab.settings import Settings
from tests.support.data import class_posts, stored_text_has
from tests.support.engines import Postgres, Redis
from tests.support.feed import OPEN, Feed, open_feed
from tests.support.pupils import Pupil, agree, form_post, post_form, room_state, signed_in
from tests.support.web import DemoSchool, csrf_from
from tests.support.workers import Workers, join_on
from tests.support.yclient import YClient

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("cluster")]

HTML = {"accept": "text/html"}


async def split_pair(
    workers: Workers, settings: Settings, school: DemoSchool
) -> tuple[tuple[Pupil, YClient], tuple[Pupil, YClient]]:
    """Léa on the first worker and Noé on the second, both on their dictation."""
    lea, noe = signed_in(settings, school, "lea"), signed_in(settings, school, "noe")
    a = await join_on(workers[0], school.lea_doc, lea)
    b = await join_on(workers[1], school.lea_doc, noe)
    return (lea, a), (noe, b)


async def type_slowly(client: YClient, words: list[str]) -> None:
    for word in words:
        await client.append(word)
        await asyncio.sleep(random.uniform(0.001, 0.01))


async def test_a_pair_split_across_two_workers_converges_and_a_dashboard_on_the_third_sees_both(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    teacher = signed_in(cluster_settings, school, "teacher")
    socket = await open_feed(workers[2], school.dictation_task_id, teacher.cookie)
    OPEN.remove(socket)  # closed here, in this test's loop
    feed = Feed(socket)
    (_, a), (_, b) = await split_pair(workers, cluster_settings, school)
    await asyncio.gather(
        type_slowly(a, [f"léa{i} " for i in range(60)]),
        type_slowly(b, [f"noé{i} " for i in range(60)]),
    )
    # Each has the other's last word, hence everything before it (updates are relayed in order).
    for client in (a, b):
        await client.wait_for(lambda c: "léa59" in c.value() and "noé59" in c.value(), 15)
    assert a.value() == b.value()
    final = a.value()
    card = await feed.wait_card(
        school.lea_doc,
        lambda card: card.get("text") == final and card.get("connected") == sorted([school.lea_id, school.noe_id]),
        seconds=10,
    )
    assert card["text"] == final
    assert stored_text_has(cluster_settings, school.lea_doc, "léa59") and stored_text_has(
        cluster_settings, school.lea_doc, "noé59"
    )
    await socket.close()


async def test_a_worker_killed_mid_typing_loses_nothing_the_partner_saw(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    (lea, a), (noe, b) = await split_pair(workers, cluster_settings, school)
    typing = asyncio.create_task(type_slowly(a, [f"mot{i} " for i in range(400)]))
    await b.wait_for(lambda c: "mot40 " in c.value(), 10)
    workers[0].kill()  # SIGKILL, mid-typing
    await asyncio.gather(typing, return_exceptions=True)
    seen_by_noe = b.value()
    assert "mot40 " in seen_by_noe
    # Léa's tablet reconnects to another worker with everything it holds.
    again = await join_on(workers[2], school.lea_doc, lea, client=a)
    await again.wait_text(a.value(), 10)
    await b.wait_text(a.value(), 10)
    # Everything Noé had seen is in the text, and in PostgreSQL.
    assert again.value().startswith(seen_by_noe)
    fresh = await join_on(workers[1], school.lea_doc, noe)
    assert fresh.value().startswith(seen_by_noe)


async def test_both_agree_at_the_same_instant_on_different_workers_and_there_is_one_post(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    (lea, a), (noe, b) = await split_pair(workers, cluster_settings, school)
    await a.append("Le chat dort au soleil.")
    await b.wait_text("Le chat dort au soleil.", 10)
    await a.wait_for(lambda c: c.doc.get_state() == b.doc.get_state(), 10)
    version = a.doc.get_state()
    answers = await asyncio.gather(
        agree(workers[0], school.lea_doc, lea, version), agree(workers[1], school.lea_doc, noe, version)
    )
    assert sorted(r.status_code for r in answers) == [200, 200], [r.text for r in answers]
    posts = [p for p in class_posts(cluster_settings, school) if p.doc_id == school.lea_doc]
    assert len(posts) == 1 and posts[0].body == "Le chat dort au soleil."
    assert sum(1 for r in answers if r.json()["post"]) >= 1
    # Both tablets, on their two workers, are told the text is published.
    for client in (a, b):
        await client.wait_for(lambda c: room_state(c).get("published") is True, 10)


async def test_agreeing_through_a_worker_that_does_not_hold_the_room(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    """The agreement's request and the tablet's socket may land on different workers: the version is
    then read from PostgreSQL; an old version is refused there too."""
    school = cluster_school
    (lea, a), (noe, b) = await split_pair(workers, cluster_settings, school)
    await a.append("Il pleut.")
    await b.wait_text("Il pleut.", 10)
    old = a.doc.get_state()
    await b.append(" Il neige.")
    await a.wait_text("Il pleut. Il neige.", 10)
    late = await agree(workers[2], school.lea_doc, lea, old)
    assert late.status_code == 409, late.text
    version = b.doc.get_state()
    first = await agree(workers[2], school.lea_doc, lea, version)
    assert first.status_code == 200 and first.json()["post"] is None and first.json()["agreed"] == [school.lea_id]
    await b.wait_for(lambda c: room_state(c).get("agreed") == [school.lea_id], 10)  # told on its worker
    second = await agree(workers[2], school.lea_doc, noe, version)
    assert second.status_code == 200 and second.json()["post"] is not None
    posts = [p for p in class_posts(cluster_settings, school) if p.doc_id == school.lea_doc]
    assert [p.body for p in posts] == ["Il pleut. Il neige."]


async def test_a_picture_burst_spread_over_the_workers_gets_no_extra_tries(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    url = f"/classe/{school.code}/{school.lea_id}"
    clients = [httpx.AsyncClient(base_url=w.http_url, timeout=60) for w in workers.processes]
    try:
        forms = [csrf_from((await client.get(url)).text) for client in clients]
        every = [t for t in itertools.permutations(range(1, len(PICTURES) + 1), 3) if t != school.lea_pictures]
        guesses = [",".join(map(str, t)) for t in random.sample(every, 300)]

        async def guess(i: int, pictures: str) -> int:
            client = clients[i % len(clients)]  # spread over the three workers
            answer = await client.post(url, data={"csrf": forms[i % len(clients)], "pictures": pictures}, headers=HTML)
            return answer.status_code

        statuses = await asyncio.gather(*(guess(i, g) for i, g in enumerate(guesses)))
    finally:
        for client in clients:
            await client.aclose()
    limit = cluster_settings.sign_in_attempts
    # Three workers, three devices without a known-device cookie: one budget for the account.
    assert statuses.count(401) == limit and statuses.count(429) == len(guesses) - limit


async def test_redis_restarted_during_typing_loses_nothing(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool, redis_server: Redis
) -> None:
    school = cluster_school
    (_lea, a), (_noe, b) = await split_pair(workers, cluster_settings, school)
    typing = asyncio.create_task(type_slowly(a, [f"r{i} " for i in range(300)]))
    await b.wait_for(lambda c: "r20 " in c.value(), 10)
    redis_server.restart()
    await typing
    await b.wait_text(a.value(), 15)  # convergence within seconds, through the repair from PostgreSQL


async def test_postgres_stopped_acknowledges_nothing_then_recovers(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool, postgres_server: Postgres
) -> None:
    school = cluster_school
    (lea, a), (_noe, b) = await split_pair(workers, cluster_settings, school)
    await a.append("avant ")
    await b.wait_text("avant ", 10)
    postgres_server.stop()
    try:
        await a.append("pendant ")
        # Nothing is acknowledged or relayed while the database is down: the worker closes the
        # tablet's socket (the page keeps its edit and reconnects), the partner sees nothing.
        assert await a.wait_closed(10) in (1011, 1013)
        assert "pendant" not in b.value()
        refused = await YClient.connect(
            workers[2].doc_url(school.lea_doc), additional_headers={"Cookie": f"binome_session={lea.cookie}"}
        )
        assert await refused.wait_closed(10) in (1011, 1013)  # a room cannot load either
    finally:
        postgres_server.start()
    # The database is back: the tablet reconnects with what it kept, and the partner gets it.
    again = await join_on(workers[0], school.lea_doc, lea, client=a)
    await b.wait_for(lambda c: "pendant" in c.value(), 20)
    await again.wait_text(b.value(), 10)
    assert b.value() == "avant pendant "


async def test_presence_crosses_workers_and_leaves_with_its_tablet(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    (_lea, a), (noe, b) = await split_pair(workers, cluster_settings, school)
    await a.set_awareness({"user": {"name": "Léa"}, "cursor": 3})
    await b.wait_for(lambda c: json.loads(c.awareness.get(a.doc.client_id, "{}")).get("cursor") == 3, 10)
    # A newcomer on the third worker is told who is there, as on one worker.
    late = await join_on(workers[2], school.lea_doc, noe)
    await late.wait_for(lambda c: a.doc.client_id in c.awareness, 10)
    await a.close()
    await b.wait_for(lambda c: a.doc.client_id not in c.awareness, 10)
    await late.wait_for(lambda c: a.doc.client_id not in c.awareness, 10)


async def test_signing_out_everywhere_on_one_worker_closes_the_sockets_on_the_others(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    tablet, laptop = signed_in(cluster_settings, school, "lea"), signed_in(cluster_settings, school, "lea")
    on_first = await join_on(workers[0], school.lea_doc, tablet)
    on_second = await join_on(workers[1], school.lea_doc, tablet)
    answer = await post_form(workers[2], laptop, "/deconnexion/partout")
    assert answer.status_code == 303
    assert await on_first.wait_closed(10) == 4401
    assert await on_second.wait_closed(10) == 4401


async def test_a_text_locked_by_the_teacher_on_one_worker_closes_its_writers_on_the_others(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    teacher = signed_in(cluster_settings, school, "teacher")
    (_, a), (_, b) = await split_pair(workers, cluster_settings, school)
    status, _ = await form_post(
        workers[2],
        teacher,
        f"/enseignant/tache/{school.dictation_task_id}/document/{school.lea_doc}/verrou",
        action="lock",
    )
    assert status in (200, 303)
    assert await a.wait_closed(10) == 4409
    assert await b.wait_closed(10) == 4409


async def test_the_teachers_message_reaches_the_pair_on_the_workers_that_hold_it(
    workers: Workers, cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    teacher = signed_in(cluster_settings, school, "teacher")
    path = f"/enseignant/tache/{school.dictation_task_id}/document/{school.lea_doc}/message"
    status, text = await form_post(workers[2], teacher, path, text="Relisez !")
    assert status == 409 and "error" in json.loads(text)  # connected on no worker: nobody reads it
    (_lea, a), (_noe, b) = await split_pair(workers, cluster_settings, school)
    status, _ = await form_post(workers[2], teacher, path, text="Relisez les accords !")
    assert status == 200
    for client in (a, b):
        await client.wait_for(lambda c: any("Relisez les accords" in s for s in c.awareness.values()), 10)
