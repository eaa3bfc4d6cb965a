"""The teacher watches two pupils type, live, on the dashboard (real Chromium)."""

from __future__ import annotations

import time

from playwright.sync_api import expect
from pycrdt import Doc

from collab.demo.followup import Typist
from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.followup_data import LEA_DICTATION
from tests.support.tablets import ARTIFACTS, OpenAs, screenshot, type_into, wait_connected, wait_text, write_and_agree
from tests.support.web import DemoSchool


def test_the_dashboard_shows_the_pair_writing_live(open_as: OpenAs, school: DemoSchool) -> None:
    board = open_as("teacher", f"/enseignant/tache/{school.dictation_task_id}/tableau")
    expect(board.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    expect(board.locator(".pair-card")).to_have_count(12)
    card = board.locator(f'.pair-card[data-doc="{school.lea_doc}"]')
    expect(card.locator("[data-names]")).to_have_text("Binôme 1 : Léa et Noé")
    lea = open_as("lea", f"/ecrire/{school.lea_doc}")
    noe = open_as("noe", f"/ecrire/{school.lea_doc}")
    wait_connected(lea)
    wait_connected(noe)
    expect(card.locator("[data-presence] li.present")).to_have_count(2)
    type_into(lea, "Le marché du village.")
    expect(card.locator("[data-text]")).to_have_text("Le marché du village.")
    wait_text(noe, "Le marché du village.")
    type_into(noe, " Chaque samedi matin")
    expect(card.locator("[data-text]")).to_have_text("Le marché du village. Chaque samedi matin")
    expect(card.locator("[data-progress]")).to_contain_text("7 / ")
    expect(card.locator("[data-last]")).to_contain_text("dernier : Noé")
    screenshot(board, "dashboard-live")
    # lock from the dashboard: the pupils' pages say so; unlock: they can write again
    card.get_by_role("button", name="Mettre en pause").click()
    expect(card).to_have_attribute("data-state", "paused")
    expect(card.locator("[data-state]")).to_have_text("en pause")
    expect(lea.locator("[data-connection]")).to_have_attribute("data-state", "paused")  # a pause, not a failure
    expect(lea.locator("[data-connection]")).to_contain_text("en pause")
    card.get_by_role("button", name="Reprendre").click()
    expect(card).to_have_attribute("data-state", "writing")
    expect(card.locator("[data-state]")).to_have_text("en cours")
    wait_connected(lea)  # the page noticed the text reopened and came back by itself
    expect(lea.locator("[data-outcome]")).to_be_hidden()
    # a message to the pair
    card.get_by_placeholder("Message au binôme").fill("Pensez aux majuscules !")
    card.get_by_role("button", name="Envoyer").click()
    expect(noe.locator("[data-teacher-message]")).to_contain_text("Pensez aux majuscules !")
    # the text full size, read-only, with cursors; then the replay
    card.locator("[data-open]").click()  # opens in the same tab
    expect(board.locator("#room")).to_have_attribute("data-ready", "true")
    expect(board.locator("[data-agree]")).to_have_count(0)  # the teacher reads, never agrees
    wait_text(board, "Le marché du village. Chaque samedi matin")
    board.goto(board.url.split("/ecrire/")[0] + f"/enseignant/document/{school.lea_doc}/replay")
    expect(board.locator("#replay")).to_have_attribute("data-ready", "true")
    expect(board.locator("#replay")).to_have_attribute("data-text", "Le marché du village. Chaque samedi matin")
    board.locator("[data-slider]").fill("1")
    expect(board.locator("#replay")).to_have_attribute("data-text", "L")
    screenshot(board, "replay")


def doc_of_pair(settings: Settings, school: DemoSchool, number: int) -> str:
    async def find(store: Store) -> str:
        numbers = {pair.id: pair.number for pair in await store.pairs.pairs_of_class(school.class_id)}
        documents = await store.tasks.documents(school.dictation_task_id)
        [doc] = [d.doc_id for d in documents if numbers[d.pair_id] == number and d.draft == 1]
        return doc

    return with_store(settings, find)


def agreed(settings: Settings, doc: str, text: str, *, moderated: bool) -> int:
    """The pair of ``doc`` typed ``text`` in turn, ten minutes ago, and agreed on it: the post's id."""

    async def work(store: Store) -> int:
        pair_id = await store.documents.pair_of(doc)
        pair = await store.pairs.get_pair(pair_id) if pair_id is not None else None
        assert pair is not None
        typist = Typist(Doc(), list(pair.members), time.time() - 600)
        for turn, sentence in enumerate(text.split(". ")):
            typist.type(sentence + (". " if not sentence.endswith(".") else ""), turn)
        await store.documents.append_updates(doc, typist.updates)
        post = await store.blog.publish(
            doc_id=doc,
            class_id=pair.class_id,
            pair_id=pair_id,
            task_id=await store.tasks.task_of_document(doc),
            title="Dictée : le marché du village",
            body=str(typist.text),
            state_vector=typist.doc.get_state(),
            moderated=moderated,
        )
        return post.id

    return with_store(settings, work)


def test_the_dashboard_tells_sent_from_published_live(open_as: OpenAs, school: DemoSchool, settings: Settings) -> None:
    agreed(settings, doc_of_pair(settings, school, 2), LEA_DICTATION, moderated=False)  # pair 2: on the blog
    third = doc_of_pair(settings, school, 3)  # pair 3: agreed, then sent back to the pair
    post_id = agreed(settings, third, "Le marché du village. Chaque samedi matin, le marché", moderated=True)
    assert with_store(settings, lambda store: store.blog.send_back(post_id)) == third
    board = open_as("teacher", f"/enseignant/tache/{school.dictation_task_id}/tableau")
    board.set_viewport_size({"width": 1280, "height": 800})
    expect(board.locator("[data-connection]")).to_have_attribute("data-state", "connected")

    def state_of(doc: str) -> object:
        return board.locator(f'.pair-card[data-doc="{doc}"] [data-state]')

    expect(state_of(school.other_pair_doc)).to_have_text("publié")
    expect(state_of(third)).to_have_text("renvoyé")
    expect(state_of(school.lea_doc)).to_have_text("en cours")
    fourth = board.locator(".pair-card").nth(3)  # pair 4, paused from the dashboard
    fourth.get_by_role("button", name="Mettre en pause").click()
    expect(fourth.locator("[data-state]")).to_have_text("en pause")
    board.evaluate("window.scrollTo(0, 0)")  # back to the top of the dashboard
    # Léa and Noé agree: their text waits for the teacher (the class's blog is moderated)
    write_and_agree(open_as, school, "Le marché du village.")
    lea_state = state_of(school.lea_doc)
    expect(lea_state).to_have_text("envoyé (à valider)")
    expect(lea_state).not_to_have_text("publié")
    box = lea_state.bounding_box()  # the first card, on screen at 1280×800
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280 and 0 <= box["y"] < 800
    assert lea_state.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 243, 214)"
    ARTIFACTS.mkdir(exist_ok=True)
    board.screenshot(path=str(ARTIFACTS / "dashboard.png"))  # what the teacher's screen shows, for the README
    # The teacher publishes it from the blog: « publié », live, on the dashboard
    blog = open_as("teacher", f"/blog/classe/{school.class_id}/moderation")
    blog.get_by_role("button", name="Publier ce texte « Dictée : le marché du village »").click()
    expect(lea_state).to_have_text("publié")
    assert lea_state.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(227, 245, 230)"
