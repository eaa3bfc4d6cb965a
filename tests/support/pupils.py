"""Pupils and teachers over a live server: signed in once, then their sockets, forms and HTTP sync sessions."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import httpx

from collab.realtime import protocol
from collab.settings import Settings
from tests.support.server import LiveServer, ServerThread
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_as
from tests.support.yclient import YClient


@dataclass
class Pupil:
    cookie: str
    csrf: str


def signed_in(settings: Settings, school: DemoSchool, who: str) -> Pupil:
    with browser(settings) as client:
        cookie = sign_in_as(client, who, school)
        return Pupil(cookie, csrf_from(client.get("/").text))


async def join(server: ServerThread, doc: str, pupil: Pupil) -> YClient:
    client = await YClient.connect(server.doc_url(doc), additional_headers={"Cookie": f"binome_session={pupil.cookie}"})
    await client.wait_synced()
    return client


async def agree(server: LiveServer, doc: str, pupil: Pupil, version: bytes, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        return await http.post(
            f"/ecrire/{doc}/accord",
            content=json.dumps({"version": base64.b64encode(version).decode()}),
            headers={"Cookie": f"binome_session={pupil.cookie}", "x-csrf-token": pupil.csrf, **headers},
        )


def room_state(client: YClient) -> dict[str, object]:
    for state in client.awareness.values():
        parsed = json.loads(state)
        if isinstance(parsed, dict) and "binome" in parsed:
            found: dict[str, object] = parsed["binome"]
            return found
    return {}


async def typed_together(
    server: ServerThread, school: DemoSchool, pair: tuple[Pupil, Pupil], text: str
) -> tuple[YClient, YClient]:
    """Léa and Noé connected to their dictation; Léa typed ``text`` and Noé has it."""
    a, b = await join(server, school.lea_doc, pair[0]), await join(server, school.lea_doc, pair[1])
    await a.append(text)
    await b.wait_text(text)
    return a, b


def body_of(*messages: bytes) -> bytes:
    return b"".join(protocol.encode_var_bytes(m) for m in messages)


class Session:
    def __init__(self, http: httpx.AsyncClient, doc: str, pupil: Pupil, key: str) -> None:
        self.http, self.doc, self.pupil, self.key = http, doc, pupil, key

    def headers(self) -> dict[str, str]:
        return {"Cookie": f"binome_session={self.pupil.cookie}", "x-csrf-token": self.pupil.csrf}

    async def send(self, *messages: bytes) -> httpx.Response:
        return await self.http.post(
            f"/sync/doc/{self.doc}/{self.key}", content=body_of(*messages), headers=self.headers()
        )

    async def poll(self) -> httpx.Response:
        return await self.http.get(f"/sync/doc/{self.doc}/{self.key}", headers=self.headers())


async def open_session(http: httpx.AsyncClient, doc: str, pupil: Pupil) -> Session:
    answer = await http.post(
        f"/sync/doc/{doc}", headers={"Cookie": f"binome_session={pupil.cookie}", "x-csrf-token": pupil.csrf}
    )
    assert answer.status_code == 200, answer.text
    return Session(http, doc, pupil, answer.json()["session"])


async def form_post(server: LiveServer, teacher: Pupil, path: str, **fields: str) -> tuple[int, str]:
    """A teacher's form, posted to the running server (whose hub holds the rooms)."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        response = await http.post(
            path,
            data={"csrf": teacher.csrf, **fields},
            headers={"Cookie": f"binome_session={teacher.cookie}", "accept": "application/json"},
        )
    return response.status_code, response.text


async def post_form(server: LiveServer, who: Pupil, path: str, **data: str) -> httpx.Response:
    """A form posted to the live server (its hub is the one holding the sockets)."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10, cookies={"binome_session": who.cookie}) as http:
        return await http.post(path, data={"csrf": who.csrf, **data})


async def join_closed(server: ServerThread, doc: str, pupil: Pupil) -> YClient:
    return await YClient.connect(server.doc_url(doc), additional_headers={"Cookie": f"binome_session={pupil.cookie}"})
