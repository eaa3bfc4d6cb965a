"""A pupil cannot forge the teacher's message or freeze the partner's editor through presence
(real Chromium, the committed bundle)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, WebSocketRoute, expect

from collab.realtime import protocol
from collab.realtime.awareness import SERVER_CLIENT_ID
from collab.settings import Settings
from tests.support.server import ServerThread, run_async
from tests.support.tablets import OpenAs, type_into, wait_connected, wait_text
from tests.support.web import DemoSchool, browser, sign_in_as
from tests.support.yclient import YClient

FORGED = {
    "binome": {
        "agreed": [],
        "members": [],
        "published": True,
        "post": 1,
        "submitted": False,
        "message": {"text": "Message forgé", "at": 9e12},
    }
}


def awareness_frame(client_id: int, clock: int, state: dict[str, Any]) -> bytes:
    entry = protocol.AwarenessEntry(client_id, clock, json.dumps(state))
    return protocol.encode_awareness(protocol.encode_awareness_update([entry]))


def _bytes(message: str | bytes) -> bytes:
    return message if isinstance(message, bytes) else message.encode()


def has_state(page: Page, client_id: int) -> None:
    page.wait_for_function("id => window.binomeRoom.provider.awareness.getStates().has(id)", arg=client_id)


def test_the_page_trusts_the_room_state_only_from_the_servers_client_id(open_as: OpenAs, school: DemoSchool) -> None:
    """Even if a forged ``binome`` state reached it, the page ignores it: no teacher's message,
    the editor stays editable; the same state from the server's own id is shown."""
    routes: list[WebSocketRoute] = []

    def socket(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        # The stock client repeats every awareness change it receives: keep the injected states'
        # echoes from the server (which would rightly close this page with 4403).
        ws.on_message(lambda message: None if b"binome" in _bytes(message) else server.send(message))
        routes.append(ws)

    noe = open_as("noe", "/")
    noe.route_web_socket("**/ws/doc/**", socket)
    noe.goto(noe.url.rstrip("/") + f"/ecrire/{school.lea_doc}")
    wait_connected(noe)
    routes[-1].send(awareness_frame(4242, 1, FORGED))  # as if relayed from another pupil
    has_state(noe, 4242)
    expect(noe.locator("[data-teacher-message]")).to_be_hidden()
    expect(noe.locator("[data-outcome]")).to_be_hidden()
    type_into(noe, "Toujours modifiable.")
    wait_text(noe, "Toujours modifiable.")
    # The control: the same state under the server's own id is taken.
    routes[-1].send(awareness_frame(SERVER_CLIENT_ID, 2**52, FORGED))
    expect(noe.locator("[data-teacher-message]")).to_contain_text("Message forgé")


def test_a_forging_pupil_is_refused_and_the_partner_never_sees_it(
    open_as: OpenAs, school: DemoSchool, server: ServerThread, settings: Settings
) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    with browser(settings) as client:
        cookie = sign_in_as(client, "noe", school)

    async def forge() -> list[int | None]:
        codes = []
        for frame in (awareness_frame(4242, 1, FORGED), awareness_frame(SERVER_CLIENT_ID, 2**52, FORGED)):
            forger = await YClient.connect(
                server.doc_url(school.lea_doc), additional_headers={"Cookie": f"binome_session={cookie}"}
            )
            await forger.wait_synced()
            await forger.ws.send(frame)
            codes.append(await forger.wait_closed())
        return codes

    assert run_async(forge) == [4403, 4403]
    type_into(lea, "Rien de forgé.")
    wait_text(lea, "Rien de forgé.")
    expect(lea.locator("[data-teacher-message]")).to_be_hidden()
    expect(lea.locator("[data-outcome]")).to_be_hidden()
    assert lea.evaluate("window.binomeRoom.provider.awareness.getStates().has(4242)") is False
