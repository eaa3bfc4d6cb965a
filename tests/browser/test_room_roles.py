"""« Je dicte / Je tape » and the player appear only where there is something to listen to."""

from __future__ import annotations

from playwright.sync_api import expect

from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.tablets import OpenAs, wait_connected
from tests.support.web import DemoSchool


def portrait_doc(settings: Settings, school: DemoSchool) -> str:
    """Léa and Noé's free writing (a portrait): no recording."""

    async def find(store: Store) -> str:
        [free] = [t for t in await store.tasks.list_for_class(school.class_id) if t.kind == "free"]
        pair_id = await store.documents.pair_of(school.lea_doc)
        return next(d.doc_id for d in await store.tasks.documents(free.id) if d.pair_id == pair_id)

    return with_store(settings, find)


def test_no_roles_nor_player_on_a_free_writing_without_recording(
    open_as: OpenAs, settings: Settings, school: DemoSchool
) -> None:
    lea = open_as("lea", f"/ecrire/{portrait_doc(settings, school)}")
    wait_connected(lea)
    expect(lea.get_by_text("Je dicte")).to_have_count(0)
    expect(lea.get_by_text("Je tape")).to_have_count(0)
    expect(lea.get_by_role("button", name="Échanger les rôles")).to_have_count(0)
    expect(lea.locator("[data-player]")).to_have_count(0)
    expect(lea.get_by_text("qui te dicte")).to_have_count(0)
    # the dictation, which has a recording, keeps them
    lea.goto(lea.url.rsplit("/ecrire/", 1)[0] + f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    expect(lea.locator("[data-role-label]")).to_have_text("Je dicte")
    expect(lea.get_by_role("button", name="Échanger les rôles")).to_be_visible()
    expect(lea.locator("[data-player]")).to_be_visible()
