"""The pupil's room works offline once visited: the service worker serves the page, its bundle and
the dictation's audio from the tablet; edits kept in IndexedDB reach the server when the network
comes back (issue 13, point 4). Real Chromium, the network cut with Playwright's offline mode,
which also cuts the service worker's own requests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from collab.settings import Settings
from tests.support.data import with_store
from tests.support.server import ServerThread
from tests.support.tablets import OpenAs, editor_text, screenshot, type_into, wait_connected, wait_text
from tests.support.web import DemoSchool, sign_in_as
from tests.support.web import browser as web_browser


def wait_kept_offline(page: Page) -> None:
    """The service worker controls the page and has kept it with its files."""
    expect(page.locator("html")).to_have_attribute("data-offline", "ready", timeout=15_000)
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def test_reloading_the_room_offline_shows_the_text_and_syncs_later(
    open_as: OpenAs, school: DemoSchool, server: ServerThread
) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    title = lea.title()
    wait_connected(lea)
    wait_kept_offline(lea)
    type_into(lea, "Chaque samedi matin,")
    wait_connected(lea)  # the server has it (and so has IndexedDB)

    lea.context.set_offline(True)
    # the network is really gone, for the page and for the service worker's own requests
    assert lea.evaluate("fetch('/healthz').then(() => 'up', () => 'down')") == "down"
    response = lea.reload()
    assert response is not None and response.from_service_worker
    # the room, not the browser's error page: its title, the text typed so far, an offline notice
    assert lea.title() == title
    expect(lea.locator("#room")).to_be_visible()
    expect(lea.locator(".cm-content")).to_contain_text("Chaque samedi matin,")
    status = lea.locator("[data-connection]")
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_contain_text("ton texte est gardé sur la tablette")
    box = status.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1024  # seen without scrolling
    expect(status).not_to_contain_text("attend")  # the server had every change before the reload

    typed = " le marché s'installe."
    type_into(lea, typed)  # typed without the network: one change a key, all waiting
    assert editor_text(lea) == "Chaque samedi matin, le marché s'installe."
    expect(status).to_contain_text(f"{len(typed)} changements attendent le réseau")
    screenshot(lea, "room-offline")
    lea.reload()  # reloaded again, still offline: the tablet still counts what it keeps for the server
    expect(lea.locator(".cm-content")).to_contain_text("Chaque samedi matin, le marché s'installe.")
    expect(status).to_contain_text(f"{len(typed)} changements attendent le réseau")
    lea.context.set_offline(False)
    # the partner, on another tablet, gets what was typed offline
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_text(noe, "Chaque samedi matin, le marché s'installe.")
    expect(lea.locator("[data-connection]")).to_have_attribute("data-state", "connected", timeout=30_000)
    # back on its WebSocket: being offline at load is not a proxy that blocks WebSockets
    assert lea.locator("#room").get_attribute("data-transport") != "http"


def test_the_pupils_home_opens_offline_and_says_so(open_as: OpenAs, school: DemoSchool, server: ServerThread) -> None:
    lea = open_as("lea", "/")
    wait_kept_offline(lea)
    lea.context.set_offline(True)
    lea.reload()
    expect(lea.get_by_role("heading", name="Bonjour Léa !")).to_be_visible()
    notice = lea.get_by_role("status").filter(has_text="Pas de réseau : tu vois la page gardée sur la tablette.")
    expect(notice).to_be_visible()
    lea.context.set_offline(False)
    expect(notice).to_have_count(0)


def test_a_page_never_kept_says_there_is_no_network(open_as: OpenAs, school: DemoSchool, server: ServerThread) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    lea.context.set_offline(True)
    lea.goto(server.http_url + f"/blog/classe/{school.class_id}")
    expect(lea.get_by_role("heading", name="Pas de réseau")).to_be_visible()
    expect(lea.get_by_text("recharge la page")).to_be_visible()


def test_signing_out_forgets_the_kept_room(open_as: OpenAs, school: DemoSchool, server: ServerThread) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    type_into(lea, "Un secret de Léa.")
    wait_connected(lea)
    lea.get_by_role("button", name="Se déconnecter").click()
    lea.wait_for_url("**/connexion")
    lea.context.set_offline(True)
    lea.goto(server.http_url + f"/ecrire/{school.lea_doc}")
    expect(lea.get_by_role("heading", name="Pas de réseau")).to_be_visible()
    expect(lea.get_by_text("Un secret de Léa.")).to_have_count(0)
    assert lea.evaluate("caches.open('binome-pages-v1').then((c) => c.keys()).then((k) => k.length)") == 0


def test_the_dictation_plays_offline_once_heard(open_as: OpenAs, school: DemoSchool) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    player = lea.locator("[data-player]")
    lea.get_by_role("button", name="Écouter").tap()
    expect(player).to_have_attribute("data-state", "playing")
    expect(lea.locator("html")).to_have_attribute("data-offline-audio", "kept", timeout=15_000)
    lea.get_by_role("button", name="Pause").tap()

    lea.context.set_offline(True)
    lea.reload()
    expect(lea.locator("#room")).to_be_visible()
    # a phrase in the middle: the player seeks with a Range request, answered from the kept file
    lea.get_by_role("button", name="Phrase 4").tap()
    expect(player).to_have_attribute("data-state", "playing")
    lea.wait_for_function(
        "() => { const a = document.querySelector('[data-player] audio');"
        " return !a.paused && a.readyState >= 3 && a.currentTime > Number(JSON.parse("
        "document.querySelector('[data-player]').dataset.segments)[3]) + 0.3 }"
    )
    assert lea.evaluate("document.querySelector('[data-player] audio').error") is None


def test_a_teachers_pages_are_never_kept(
    open_as: OpenAs, school: DemoSchool, server: ServerThread, settings: Settings
) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    # the same tablet, the worker in place: a teacher's session opens her home and dashboard
    with web_browser(settings) as client:
        cookie = sign_in_as(client, "teacher", school)
    lea.context.add_cookies([{"name": "binome_session", "value": cookie, "url": server.http_url}])
    dashboard = f"/enseignant/tache/{school.dictation_task_id}/tableau"
    for path in ("/", dashboard):
        lea.goto(server.http_url + path)
        assert lea.evaluate("navigator.serviceWorker.controller !== null")
    expect(lea.get_by_role("heading", level=1)).not_to_have_text("Pas de réseau")
    kept = lea.evaluate("caches.open('binome-pages-v1').then((c) => c.keys()).then((k) => k.map((r) => r.url))")
    assert kept == [server.http_url + f"/ecrire/{school.lea_doc}"]  # Léa's room only: "/" was the teacher's
    lea.context.set_offline(True)
    lea.goto(server.http_url + dashboard)
    expect(lea.get_by_role("heading", name="Pas de réseau")).to_be_visible()


def test_signing_out_without_the_network_says_so(open_as: OpenAs, school: DemoSchool, server: ServerThread) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    lea.context.set_offline(True)
    lea.get_by_role("button", name="Se déconnecter").click()
    # not the browser's error page: the tablet says the sign-out did not happen
    expect(lea.get_by_role("heading", name="Pas de réseau")).to_be_visible()
    expect(lea.get_by_text("La connexion ou la déconnexion n’a pas pu se faire")).to_be_visible()
    assert lea.evaluate("caches.open('binome-pages-v1').then((c) => c.keys()).then((k) => k.length)") == 0
    lea.context.set_offline(False)


def test_a_session_ended_elsewhere_forgets_the_kept_pages(
    open_as: OpenAs, school: DemoSchool, server: ServerThread, settings: Settings
) -> None:
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    wait_kept_offline(lea)
    # her session ends elsewhere (signed out everywhere, new pictures from the teacher, expiry)
    with_store(settings, lambda store: store.sessions.revoke_all(school.lea_id))
    lea.goto(server.http_url + f"/ecrire/{school.other_pair_doc}")  # any page, online: sent to sign in
    lea.context.set_offline(True)
    lea.goto(server.http_url + f"/ecrire/{school.lea_doc}")
    expect(lea.get_by_role("heading", name="Pas de réseau")).to_be_visible()
    expect(lea.locator("#room")).to_have_count(0)
    lea.context.set_offline(False)
