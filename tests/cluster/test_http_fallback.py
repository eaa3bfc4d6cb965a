"""The HTTP fallback on three workers without sticky sessions: each request of a pupil whose school
blocks WebSockets may land on any worker; the one holding the session answers, through the others.

A session lives on the worker that opened it; a request reaching another worker is forwarded over
Redis (collab.web.http_relay) and answered as a local one: same frames, same refusals, same pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest

from collab.realtime import protocol
from collab.settings import Settings
from collab.web.bodies import SYNC_FRAMES_PER_REQUEST
from collab.web.http_relay import SILENCE_SECONDS, tag_of
from collab.web.http_sync import POLL_SECONDS
from tests.support.pupils import Pupil, Session, body_of, signed_in
from tests.support.server import ServerProcess
from tests.support.web import DemoSchool
from tests.support.workers import Workers, join_on
from tests.support.yclient import ServerDoc, YClient, update_inserting

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("cluster")]


@pytest.fixture
async def https(workers: Workers) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One HTTP client per worker (as a load balancer would spread the requests)."""
    clients = [httpx.AsyncClient(base_url=worker.http_url, timeout=60) for worker in workers.processes]
    yield clients
    for client in clients:
        await client.aclose()


def frames(body: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(body):
        frame, pos = protocol.read_var_bytes(body, pos)
        out.append(frame)
    return out


def headers(pupil: Pupil) -> dict[str, str]:
    return {"Cookie": f"binome_session={pupil.cookie}", "x-csrf-token": pupil.csrf}


class HttpPupil(ServerDoc):
    """A pupil's page on the HTTP fallback (as frontend/src/http-provider.js): one request at a time
    for its frames, a long poll beside, each request through the next worker of ``via``."""

    def __init__(self, pupil: Pupil, doc_id: str) -> None:
        super().__init__()
        self.pupil, self.doc_id = pupil, doc_id
        self.key = ""
        self._sending = asyncio.Lock()
        self.stopping = False

    async def open(self, http: httpx.AsyncClient) -> str:
        answer = await http.post(f"/sync/doc/{self.doc_id}", headers=headers(self.pupil))
        assert answer.status_code == 200, answer.text
        self.key = answer.json()["session"]
        self.synced.clear()
        return self.key

    async def send(self, http: httpx.AsyncClient, *messages: bytes, body: bytes | None = None) -> httpx.Response:
        content = body_of(*messages) if body is None else body
        async with self._sending:
            return await http.post(f"/sync/doc/{self.doc_id}/{self.key}", content=content, headers=headers(self.pupil))

    async def flush(self, http: httpx.AsyncClient) -> httpx.Response:
        """Send the edits made since the last flush (kept for later if the request fails)."""
        pending, self._outgoing = self._outgoing, []
        answer = await self.send(http, *(protocol.encode_update(update) for update in pending))
        if answer.status_code != 204:
            self._outgoing[:0] = pending
        return answer

    async def poll(self, http: httpx.AsyncClient, reply: httpx.AsyncClient) -> httpx.Response:
        answer = await http.get(f"/sync/doc/{self.doc_id}/{self.key}", headers=headers(self.pupil))
        if answer.status_code != 200:
            return answer
        for frame in frames(answer.content):
            step2 = self.from_server(protocol.decode_message(frame))
            if step2 is not None:
                assert (await self.send(reply, step2)).status_code == 204
        self.changed.set()
        return answer

    async def poll_forever(self, via: Iterator[httpx.AsyncClient]) -> None:
        """Poll until told to stop (the poll in flight ends first: none is left behind)."""
        while not self.stopping:
            answer = await self.poll(next(via), next(via))
            assert answer.status_code == 200, answer.text

    async def handshake(self, via: Iterator[httpx.AsyncClient]) -> None:
        """The page's first messages after opening: its state vector, then polls until synced."""
        step1 = protocol.encode_sync_step1(self.doc.get_state())
        assert (await self.send(next(via), step1)).status_code == 204
        with anyio.fail_after(15):
            while not self.synced.is_set():
                assert (await self.poll(next(via), next(via))).status_code == 200

    async def wait_for(self, predicate: Any, seconds: float) -> None:
        with anyio.fail_after(seconds):
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()


async def type_words(client: YClient, words: list[str]) -> None:
    for word in words:
        await client.append(word)
        await asyncio.sleep(0.005)  # a pupil's pace, not a synchronisation


async def frames_paced(http: httpx.AsyncClient) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith("collab_frames_paced_total "):
            return float(line.split()[1])
    return 0.0


async def test_a_pupil_on_http_roaming_over_the_workers_writes_with_a_partner_on_a_socket(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    lea = HttpPupil(signed_in(cluster_settings, school, "lea"), school.lea_doc)
    noe = await join_on(workers[1], school.lea_doc, signed_in(cluster_settings, school, "noe"))
    key = await lea.open(https[0])
    assert tag_of(key) is not None
    via = itertools.cycle(https)  # every request through the next worker: two in three forwarded
    await lea.handshake(via)
    polling = asyncio.create_task(lea.poll_forever(via))
    typing = asyncio.create_task(type_words(noe, [f"noé{i} " for i in range(40)]))
    for i in range(40):
        lea.text.insert(len(lea.text), f"léa{i} ")
        assert (await lea.flush(https[i % 3])).status_code == 204
    await typing
    await noe.wait_for(lambda c: "léa39" in c.value() and "noé39" in c.value(), 15)
    await lea.wait_for(lambda p: p.value() == noe.value(), 15)
    lea.stopping = True
    await noe.append("|")  # ends the poll in flight
    with anyio.fail_after(30):
        await polling
    # Long polls through a worker that does not hold the session get the partner's next edit.
    waiting = asyncio.create_task(lea.poll(https[2], https[1]))
    await noe.append("fin")
    with anyio.fail_after(15):
        assert (await waiting).status_code == 200
        while not lea.value().endswith("fin"):  # that poll returned what came before "fin"
            assert (await lea.poll(https[2], https[1])).status_code == 200
    assert lea.value() == noe.value()
    # The workers count what they forwarded and what they served for the others.
    forwarded = served = 0.0
    for http in https:
        for line in (await http.get("/metrics")).text.splitlines():
            if line.startswith("collab_http_forwarded_total "):
                forwarded += float(line.split()[1])
            elif line.startswith("collab_http_served_for_others_total "):
                served += float(line.split()[1])
    assert forwarded >= 26 and served == forwarded  # at least the 26 sends of 40 made through another worker


async def test_the_sessions_worker_killed_the_client_reopens_elsewhere_and_loses_nothing(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    lea = HttpPupil(signed_in(cluster_settings, school, "lea"), school.lea_doc)
    noe = await join_on(workers[1], school.lea_doc, signed_in(cluster_settings, school, "noe"))
    await lea.open(https[0])
    await lea.handshake(itertools.cycle([https[1], https[2]]))
    lea.text.insert(0, "avant ")
    assert (await lea.flush(https[1])).status_code == 204
    await noe.wait_text("avant ", 10)
    local_gone = await Session(https[1], school.lea_doc, lea.pupil, "not-a-session").poll()

    async def poll_until_refused() -> httpx.Response:
        while (answer := await lea.poll(https[2], https[2])).status_code == 200:
            pass
        return answer

    in_flight = asyncio.create_task(poll_until_refused())  # a long poll waiting through worker 2
    workers[0].kill()  # SIGKILL: the session's worker is gone, and the session with it
    with anyio.fail_after(SILENCE_SECONDS + 10):
        assert (await in_flight).json() == local_gone.json()
    lea.text.insert(len(lea.text), "pendant ")  # typed while nobody holds the session
    sent = await lea.flush(https[1])
    polled = await lea.poll(https[2], https[2])
    for answer in (sent, polled):
        assert answer.status_code == 404, answer.text
        assert answer.json() == local_gone.json()  # the answer the client reopens on
    assert answer.json()["close_code"] == 1001

    # The page opens a new session on a worker still there, says what it holds, and goes on.
    await lea.open(https[2])
    via = itertools.cycle([https[1], https[2]])
    await lea.handshake(via)
    assert (await lea.flush(https[1])).status_code == 204
    await noe.wait_text("avant pendant ", 10)
    await noe.append("après")
    with anyio.fail_after(15):
        while lea.value() != "avant pendant après":
            assert (await lea.poll(next(via), next(via))).status_code == 200
    fresh = await join_on(workers[2], school.lea_doc, signed_in(cluster_settings, school, "noe"))
    assert fresh.value() == "avant pendant après"


async def test_a_long_poll_through_another_worker_outlasts_the_owners_silence_allowance(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    """A poll that waits longer than a worker waits for the owner's next word (the room's state
    is said again every 15 s, nothing else comes): the owner's heartbeats keep it waiting, and
    its answer is the local one."""
    assert POLL_SECONDS > SILENCE_SECONDS + 2
    school = cluster_school
    lea = HttpPupil(signed_in(cluster_settings, school, "lea"), school.lea_doc)
    await lea.open(https[0])
    await lea.handshake(itertools.cycle([https[1], https[2]]))
    loop = asyncio.get_running_loop()
    with anyio.fail_after(3 * POLL_SECONDS):
        while True:  # what is still waiting comes at once; then the poll waits
            started = loop.time()
            answer = await lea.poll(https[1], https[2])
            assert answer.status_code == 200, answer.text
            if loop.time() - started > SILENCE_SECONDS + 2:
                break
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"] == "application/octet-stream"


async def test_forged_or_borrowed_session_keys_are_refused_as_on_one_worker(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    school = cluster_school
    lea, noe = signed_in(cluster_settings, school, "lea"), signed_in(cluster_settings, school, "noe")
    owner = HttpPupil(lea, school.lea_doc)
    key = await owner.open(https[0])
    tag = tag_of(key)
    assert tag is not None
    update = protocol.encode_update(b"\x00\x00")  # never reaches a room: refused before
    nobody = "0" * len(tag)
    forged = {
        "another pupil's cookie": (noe, school.lea_doc, key),
        "another document": (lea, school.other_pair_doc, key),
        "a random key naming the worker": (lea, school.lea_doc, f"{tag}.{secrets.token_urlsafe(18)}"),
        "a random key naming no worker": (lea, school.lea_doc, f"{nobody}.{secrets.token_urlsafe(18)}"),
        "a key of no worker's form": (lea, school.lea_doc, "not-a-session"),
    }
    for what, (who, doc, forged_key) in forged.items():
        sessions = [Session(http, doc, who, forged_key) for http in https]  # local, and through the others
        answers = await asyncio.gather(*(s.poll() for s in sessions), *(s.send(update) for s in sessions))
        assert {a.status_code for a in answers} == {404}, what
        assert len({a.text for a in answers}) == 1, (what, [a.text for a in answers])
    # Without the page's header, a send is refused by the worker it reached, as locally.
    for http in https:
        cookie_only = {"Cookie": f"binome_session={lea.cookie}"}
        answer = await http.post(f"/sync/doc/{school.lea_doc}/{key}", content=body_of(update), headers=cookie_only)
        assert answer.status_code == 403
    # The session itself goes on, from any worker.
    await owner.handshake(itertools.cycle(https))


async def test_the_limits_hold_through_another_worker_with_the_same_answers(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    """Each refusal, sent to the session's worker and through another one: the same status and
    body, and the session ended (or not) alike."""
    school = cluster_school
    lea, teacher = signed_in(cluster_settings, school, "lea"), signed_in(cluster_settings, school, "teacher")
    largest = cluster_settings.max_frame_bytes
    update = protocol.encode_update(update_inserting("Faux"))
    cases = {  # what, who sends, its body, the status, whether the session is still open afterwards
        "a frame over the limit": (lea, body_of(b"\x00" * (largest + 1)), 413, False),
        "too many frames": (lea, body_of(*[protocol.encode_query_awareness()] * 257), 400, False),
        "garbage": (lea, b"\x05abc", 400, False),
        "a reader's update": (teacher, body_of(update), 403, False),
    }
    for what, (who, body, status, stays) in cases.items():
        answers, after = [], []
        for http in (https[0], https[1]):  # the session's worker, then another one
            page = HttpPupil(who, school.lea_doc)
            await page.open(https[0])
            answers.append(await page.send(http, body=body))
            after.append((await page.poll(https[2], https[2])).status_code)  # the first poll answers at once
        assert [a.status_code for a in answers] == [status] * 2, (what, [a.text for a in answers])
        assert answers[0].json() == answers[1].json(), what
        assert after == [200 if stays else 404] * 2, what
    # A body over the route's cap is refused by the worker it reached, before a byte is read or
    # forwarded (the refusal closes the connection: the client may see only that).
    page = HttpPupil(lea, school.lea_doc)
    await page.open(https[0])
    with contextlib.suppress(httpx.TransportError):
        answer = await page.send(https[1], body=body_of(*[b"\x00" * largest] * (SYNC_FRAMES_PER_REQUEST + 1)))
        assert answer.status_code == 413
    assert (await page.poll(https[2], https[2])).status_code == 200  # never reached the session


async def test_parallel_sends_to_one_session_through_two_workers_are_refused_as_busy(
    workers: Workers, https: list[httpx.AsyncClient], cluster_settings: Settings, cluster_school: DemoSchool
) -> None:
    """As on one worker (tests/realtime/test_http_sync.py): a request whose frames are paced holds
    its session; a second one, through another worker, is refused (429) without ending it."""
    school = cluster_school
    noe = await join_on(workers[1], school.lea_doc, signed_in(cluster_settings, school, "noe"))
    lea = HttpPupil(signed_in(cluster_settings, school, "lea"), school.lea_doc)
    await lea.open(https[0])
    await lea.handshake(itertools.cycle(https))
    for i in range(768):
        lea.text.insert(len(lea.text), "abcdefgh"[i % 8])
    updates, lea._outgoing = lea._outgoing, []
    assert cluster_settings.rate_burst < len(updates) == 768
    batches = [updates[i : i + 256] for i in range(0, 768, 256)]
    for n, batch in enumerate(batches):
        paced = await frames_paced(https[0])
        body = body_of(*(protocol.encode_update(u) for u in batch))
        url = f"/sync/doc/{school.lea_doc}/{lea.key}"
        sending = asyncio.create_task(https[1].post(url, content=body, headers=headers(lea.pupil)))
        if n == len(batches) - 1:
            with anyio.fail_after(10):  # the last request waits for its budget on the session's worker...
                while await frames_paced(https[0]) == paced:
                    await asyncio.sleep(0.01)
            burst = await asyncio.gather(
                *(
                    http.post(url, content=body_of(protocol.encode_update(updates[0])), headers=headers(lea.pupil))
                    for http in (https[2], https[1], https[0], https[2])
                )
            )
            assert [a.status_code for a in burst] == [429] * 4, [a.text for a in burst]
            assert len({a.text for a in burst}) == 1 and burst[0].json()["close_code"] == 4429
        assert (await sending).status_code == 204
    await noe.wait_text(lea.value(), seconds=30)
    await noe.append("!")  # for the poll below to answer at once
    assert (await lea.poll(https[2], https[1])).status_code == 200  # the session is still open


async def test_uvicorn_workers_on_one_port_serve_one_http_session_whichever_process_the_kernel_picks(
    cluster_settings: Settings, postgres_url: str, redis_url: str, cluster_school: DemoSchool
) -> None:
    """``collab serve --workers 2``: every request on a new connection, to whichever process the
    kernel gives it; the pupil on HTTP and her partner on a socket write together."""
    school = cluster_school
    server = ServerProcess(cluster_settings, COLLAB_DATABASE=postgres_url, COLLAB_REDIS=redis_url, COLLAB_WORKERS="2")
    server.start(timeout=30)
    fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection per request
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60, limits=fresh) as http:
        try:
            answered: set[str] = set()
            with anyio.fail_after(30):  # both processes are up
                while len(answered) < 2:
                    answered.add((await http.get("/healthz")).json()["worker"])
            lea = HttpPupil(signed_in(cluster_settings, school, "lea"), school.lea_doc)
            noe = await join_on(server, school.lea_doc, signed_in(cluster_settings, school, "noe"))
            await lea.open(http)
            via = itertools.repeat(http)
            await lea.handshake(via)
            polling = asyncio.create_task(lea.poll_forever(via))
            typing = asyncio.create_task(type_words(noe, [f"noé{i} " for i in range(30)]))
            for i in range(30):
                lea.text.insert(len(lea.text), f"léa{i} ")
                assert (await lea.flush(http)).status_code == 204
            await typing
            await noe.wait_for(lambda c: "léa29" in c.value() and "noé29" in c.value(), 15)
            await lea.wait_for(lambda p: p.value() == noe.value(), 15)
            lea.stopping = True
            await noe.append("|")  # ends the poll in flight
            with anyio.fail_after(30):
                await polling
        finally:
            server.stop()
