"""A dead network is noticed within seconds (two tablets at 768×1024, real Chromium).

The school's uplink dies while the tablet's Wi-Fi stays up: ``navigator.onLine`` stays true and
the open WebSocket is neither closed nor answered; frames go nowhere, and a socket opened
meanwhile hangs. (Chromium's own offline emulation, ``context.set_offline``, also sets
``navigator.onLine`` to false, which would tell the page without any probe: it is not used here.)
The page's probe notices, says so, counts the changes the server has not confirmed, and says
everything is saved only once the server confirmed it after the network came back."""

from __future__ import annotations

from playwright.sync_api import WebSocketRoute, expect

from tests.support.tablets import OpenAs, screenshot, type_into, wait_connected, wait_text
from tests.support.web import DemoSchool

#: A probe every 2 s, answered within 4 s: the page must say it well within this.
NOTICED_WITHIN_MS = 8_000


def test_a_dead_network_is_noticed_and_unconfirmed_changes_are_counted(open_as: OpenAs, school: DemoSchool) -> None:
    network = {"up": True}

    def school_line(ws: WebSocketRoute) -> None:
        if not network["up"]:
            return  # opened while the line is dead: the socket hangs, nothing ever answers
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message) if network["up"] else None)
        server.on_message(lambda message: ws.send(message) if network["up"] else None)

    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", "/")
    noe.route_web_socket("**/ws/doc/**", school_line)
    noe.goto(noe.url.rstrip("/") + f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    type_into(lea, "Les marchands arrivent.")
    wait_text(noe, "Les marchands arrivent.")
    light = noe.locator("[data-connection]")
    expect(light).to_contain_text("tout est enregistré")

    network["up"] = False  # the tablet is idle: nothing is typed, the page must still notice
    expect(light).to_contain_text("Pas de réseau : ton texte est gardé sur la tablette", timeout=NOTICED_WITHIN_MS)
    expect(light).to_have_attribute("data-state", "offline")
    expect(light.locator("[data-waiting]")).to_be_hidden()  # nothing waits yet
    assert noe.evaluate("navigator.onLine") is True  # the page did not learn it from the browser

    type_into(noe, " Vite.")  # six keys, six changes the server has not seen
    expect(light.locator("[data-waiting]")).to_have_text("6 changements attendent le réseau.")
    assert "enregistré" not in light.inner_text()
    box = light.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1024
    screenshot(noe, "room-offline")
    type_into(lea, " Avec leurs camions.")

    network["up"] = True  # the line comes back: the page reconnects by itself
    both = {"Les marchands arrivent. Vite. Avec leurs camions.", "Les marchands arrivent. Avec leurs camions. Vite."}
    noe.wait_for_function("texts => texts.includes(window.binomeRoom.ytext.toString())", arg=list(both), timeout=30_000)
    merged = str(noe.evaluate("window.binomeRoom.ytext.toString()"))
    wait_text(lea, merged)  # relayed by the server, which commits before it relays
    expect(light).to_contain_text("tout est enregistré", timeout=10_000)
    expect(light).to_have_attribute("data-state", "connected")
    expect(light.locator("[data-waiting]")).to_be_hidden()
    assert noe.evaluate("document.getElementById('room').dataset.waiting") == "0"
