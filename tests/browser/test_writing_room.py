"""Two tablets, one text (real Chromium, two browser contexts, the committed bundle)."""

from __future__ import annotations

from playwright.sync_api import WebSocketRoute, expect

from collab.settings import Settings
from tests.support.data import class_posts
from tests.support.tablets import OpenAs, editor_text, screenshot, type_into, wait_connected, wait_text
from tests.support.web import DemoSchool


def posts(settings: Settings, school: DemoSchool) -> list[tuple[str, str, str]]:
    return [(p.doc_id, p.body, p.status) for p in class_posts(settings, school)]


def test_two_pupils_write_one_text_and_see_each_other(open_as: OpenAs, school: DemoSchool) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    type_into(lea, "Chaque samedi matin,")
    wait_text(noe, "Chaque samedi matin,")
    type_into(noe, " le marché s'installe")
    wait_text(lea, "Chaque samedi matin, le marché s'installe")
    type_into(lea, " sur la place.")
    wait_text(noe, "Chaque samedi matin, le marché s'installe sur la place.")
    # each sees the other's cursor, with the name, and who is here
    expect(lea.locator(".cm-ySelectionInfo", has_text="Noé")).to_have_count(1)
    expect(noe.locator(".cm-ySelectionInfo", has_text="Léa")).to_have_count(1)
    expect(lea.locator("[data-presence] li.present")).to_have_count(2)
    # roles: Léa dictates (she has the player), Noé types; they swap
    expect(lea.locator("[data-role-label]")).to_have_text("Je dicte")
    expect(noe.locator("[data-role-label]")).to_have_text("Je tape")
    expect(lea.locator("[data-player]")).to_be_visible()
    expect(noe.locator("[data-player]")).to_be_hidden()
    screenshot(lea, "room-lea-dictates")
    screenshot(noe, "room-noe-types")
    noe.get_by_role("button", name="Échanger les rôles").click()
    expect(noe.locator("[data-role-label]")).to_have_text("Je dicte")
    expect(lea.locator("[data-role-label]")).to_have_text("Je tape")


def test_both_agree_and_exactly_one_post_is_made(open_as: OpenAs, school: DemoSchool, settings: Settings) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    type_into(lea, "Le marché du village.")
    wait_text(noe, "Le marché du village.")
    lea.get_by_role("button", name="On est d’accord").click()
    expect(noe.locator("[data-agreements] li[data-agreed=true]")).to_have_text("Léa : d’accord ✓")
    # an edit after one agreement clears it
    type_into(noe, " Chaque samedi")
    wait_text(lea, "Le marché du village. Chaque samedi")
    expect(lea.locator("[data-agreements] li[data-agreed=true]")).to_have_count(0)
    assert posts(settings, school) == []
    lea.get_by_role("button", name="On est d’accord").click()
    expect(lea.locator("[data-agreements] li[data-agreed=true]")).to_have_count(1)
    noe.get_by_role("button", name="On est d’accord").click()
    for page in (lea, noe):
        expect(page.locator("[data-outcome]")).to_be_visible()
        expect(page.locator("[data-outcome-text]")).to_contain_text("Bravo")
        expect(page.locator("[data-connection]")).to_have_attribute("data-state", "done")
    assert posts(settings, school) == [(school.lea_doc, "Le marché du village. Chaque samedi", "submitted")]
    # once published, the text no longer changes
    lea.locator(".cm-content").click()
    lea.keyboard.type("X")
    assert editor_text(lea) == "Le marché du village. Chaque samedi"


def test_offline_edits_merge_when_the_connection_comes_back(open_as: OpenAs, school: DemoSchool) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    type_into(lea, "Les marchands arrivent.")
    wait_text(noe, "Les marchands arrivent.")
    noe.context.set_offline(True)
    noe.evaluate("window.binomeRoom.provider.ws && window.binomeRoom.provider.ws.close()")
    expect(noe.locator("[data-connection]")).not_to_have_attribute("data-state", "connected")
    type_into(noe, " Très tôt.")
    type_into(lea, " Avec leurs camions.")
    noe.context.set_offline(False)
    wait_connected(noe)
    lea_text = "Les marchands arrivent. Avec leurs camions."
    page_text = editor_text(noe)
    assert " Très tôt." in page_text and " Avec leurs camions." in page_text
    wait_text(lea, page_text)
    assert lea_text.replace(" Avec", " Très tôt. Avec") == page_text or lea_text + " Très tôt." == page_text


def test_unsent_edits_survive_a_reload(open_as: OpenAs, school: DemoSchool) -> None:
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(noe)
    # The school network swallows the socket: the page keeps trying, the edits stay on the tablet.
    network = {"up": False}

    def socket(ws: WebSocketRoute) -> None:
        if network["up"]:
            ws.connect_to_server()

    noe.route_web_socket("**/ws/doc/**", socket)
    noe.evaluate("window.binomeRoom.provider.ws.close()")
    expect(noe.locator("[data-connection]")).not_to_have_attribute("data-state", "connected")
    type_into(noe, "Ma grand-mère choisit les pommes.")
    noe.wait_for_timeout(300)  # y-indexeddb writes in its own transaction
    network["up"] = True
    noe.reload()
    wait_connected(noe)
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_text(lea, "Ma grand-mère choisit les pommes.")


def test_the_http_fallback_syncs_when_websockets_are_blocked(open_as: OpenAs, school: DemoSchool) -> None:
    def refuse(ws: WebSocketRoute) -> None:
        ws.close(code=1006)

    lea = open_as("lea", "/")
    lea.route_web_socket("**/ws/doc/**", refuse)
    lea.goto(lea.url.rstrip("/") + f"/ecrire/{school.lea_doc}")
    expect(lea.locator("#room")).to_have_attribute("data-transport", "http", timeout=15_000)
    wait_connected(lea)
    expect(lea.locator("[data-connection]")).to_contain_text("connexion de secours")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")  # Noé's tablet has WebSockets
    wait_connected(noe)
    type_into(lea, "Elle discute avec la fromagère.")
    wait_text(noe, "Elle discute avec la fromagère.")
    type_into(noe, " Elle goûte.")
    wait_text(lea, "Elle discute avec la fromagère. Elle goûte.")
    expect(lea.locator(".cm-ySelectionInfo", has_text="Noé")).to_have_count(1)
    screenshot(lea, "room-http-fallback")


def test_another_pair_cannot_open_the_room(open_as: OpenAs, school: DemoSchool) -> None:
    lea = open_as("lea", f"/ecrire/{school.other_pair_doc}")
    expect(lea.get_by_text("Ce compte n'a pas le droit d'ouvrir cette page ou ce texte.")).to_be_visible()
