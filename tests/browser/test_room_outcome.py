"""What the pair sees when its text is done (two tablets at 768×1024, a teacher's laptop): success
at the top of the room in green with the true state (sent to the teacher, then on the blog, by
itself when the teacher publishes), the partner still there, the light never red; a text sent back
opens again by itself and says why, with the teacher's comment."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.support.tablets import TABLET, OpenAs, screenshot, type_into, wait_text, write_and_agree
from tests.support.web import DemoSchool

GREEN_BACKGROUND = "rgb(227, 245, 230)"
RED = "rgb(179, 38, 30)"


def colour(locator: Locator, prop: str = "background-color") -> str:
    return str(locator.evaluate("(e, p) => getComputedStyle(e).getPropertyValue(p)", prop))


def assert_on_screen(locator: Locator) -> None:
    """Seen without scrolling: the whole box is inside the tablet's viewport."""
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= TABLET["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"], box


def assert_the_light_is_not_red(page: Page) -> None:
    light = page.locator("[data-connection]")
    expect(light).not_to_have_attribute("data-state", "closed")
    assert colour(light.locator(".dot")) != RED and colour(light, "color") != RED


def test_success_is_seen_at_the_top_in_green_and_follows_the_teacher(open_as: OpenAs, school: DemoSchool) -> None:
    lea, noe = write_and_agree(open_as, school, "Le marché du village.")
    for page in (lea, noe):
        outcome = page.locator("[data-outcome]")
        expect(outcome).to_be_visible()
        expect(outcome).to_contain_text("Envoyé à la maîtresse ou au maître")
        expect(outcome).not_to_contain_text("publiera")
        assert_on_screen(outcome)
        assert colour(outcome) == GREEN_BACKGROUND
        assert_the_light_is_not_red(page)
        expect(page.locator("[data-connection]")).to_have_attribute("data-state", "done")
        expect(page.locator("[data-connection]")).to_contain_text("terminé")
        # the partner is still here (the tablets stay connected, as readers)
        expect(page.locator("[data-presence] li.present")).to_have_count(2)
        expect(page.get_by_role("button", name="On est d’accord")).to_be_hidden()
    screenshot(lea, "room-agreed")
    # the text no longer changes
    lea.locator(".cm-content").click()
    lea.keyboard.type("X")
    assert lea.evaluate("window.binomeRoom.ytext.toString()") == "Le marché du village."

    # The teacher publishes it from the moderation page: the open tablets follow by themselves.
    teacher = open_as("teacher", f"/blog/classe/{school.class_id}/moderation")
    teacher.get_by_role("button", name=re.compile("^Publier ce texte")).click()
    expect(teacher.locator("[role=status]").first).to_be_visible()
    for page in (lea, noe):
        outcome = page.locator("[data-outcome]")
        expect(outcome).to_contain_text("Publié sur le blog")
        link = outcome.get_by_role("link", name="Lire notre texte sur le blog")
        expect(link).to_have_attribute("href", re.compile(r"/blog/billet/\d+$"))
        assert_on_screen(outcome)
        assert_the_light_is_not_red(page)
        expect(page.locator("[data-presence] li.present")).to_have_count(2)
    screenshot(noe, "room-published")
    noe.locator("[data-outcome]").get_by_role("link").click()
    expect(noe.locator("main")).to_contain_text("Le marché du village.")
    expect(noe).to_have_url(re.compile(r"/blog/billet/\d+$"))


def test_a_reopened_room_after_publication_is_not_a_failure(open_as: OpenAs, school: DemoSchool) -> None:
    lea, _ = write_and_agree(open_as, school, "Les pommes.")
    expect(lea.locator("[data-outcome]")).to_contain_text("Envoyé à la maîtresse ou au maître")
    lea.reload()  # the text is closed to writing (4409): a normal end, said as such
    expect(lea.locator("#room")).to_have_attribute("data-close-code", "4409")
    outcome = lea.locator("[data-outcome]")
    expect(outcome).to_contain_text("Envoyé à la maîtresse ou au maître")
    assert_on_screen(outcome)
    assert_the_light_is_not_red(lea)


def test_a_text_sent_back_reopens_by_itself_with_the_teachers_comment(open_as: OpenAs, school: DemoSchool) -> None:
    lea, noe = write_and_agree(open_as, school, "Le marche du vilage.")
    expect(lea.locator("[data-outcome]")).to_contain_text("Envoyé")
    teacher = open_as("teacher", f"/enseignant/texte/{school.lea_doc}")
    teacher.get_by_label("Commentaire").fill("Relisez les accents, puis renvoyez-le-moi.")
    teacher.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(teacher.locator("[role=status]")).to_contain_text("commentaire enregistré")
    teacher.goto(teacher.url.split("/enseignant/")[0] + f"/blog/classe/{school.class_id}/moderation")
    teacher.get_by_role("button", name=re.compile("^Renvoyer au binôme")).click()
    for page in (lea, noe):
        returned = page.locator("[data-returned]")
        expect(returned).to_be_visible()
        expect(returned).to_contain_text("La maîtresse ou le maître te renvoie le texte")
        expect(returned).to_contain_text("Relisez les accents, puis renvoyez-le-moi.")
        assert_on_screen(returned)
        expect(page.locator("[data-outcome]")).to_be_hidden()
        expect(page.get_by_role("button", name="On est d’accord")).to_be_visible()
        expect(page.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    # the pen is back, without a reload: the pair corrects and agrees again
    lea.locator("[data-returned]").get_by_role("button", name="J'ai lu").click()
    type_into(noe, " Il y a des fruits.")
    wait_text(lea, "Le marche du vilage. Il y a des fruits.")
    expect(noe.locator("[data-connection]")).to_have_attribute("data-state", "connected")
    noe.get_by_role("button", name="On est d’accord").click()
    expect(lea.locator("[data-agreements] li[data-agreed=true]")).to_have_text("Noé : d’accord ✓")
    lea.get_by_role("button", name="On est d’accord").click()
    expect(lea.locator("[data-outcome]")).to_contain_text("Envoyé à la maîtresse ou au maître")
    expect(lea.locator("[data-returned]")).to_be_hidden()


def test_a_room_reloaded_while_sent_becomes_writable_again_when_sent_back(open_as: OpenAs, school: DemoSchool) -> None:
    """Léa came back to her room after the agreement (a page built for reading): the teacher's
    send-back gives her the pen and the teacher's word by itself, without her reloading."""
    lea, _ = write_and_agree(open_as, school, "Le marche du vilage.")
    lea.reload()
    expect(lea.locator("[data-outcome]")).to_contain_text("Envoyé à la maîtresse ou au maître")
    teacher = open_as("teacher", f"/blog/classe/{school.class_id}/moderation")
    teacher.get_by_label("Un mot pour le binôme (facultatif)").fill("Relisez les accents.")
    teacher.get_by_role("button", name=re.compile("^Renvoyer au binôme")).click()
    returned = lea.locator("[data-returned]")
    expect(returned).to_be_visible(timeout=20_000)
    expect(returned).to_contain_text("Relisez les accents.")
    expect(lea.get_by_role("button", name="On est d’accord")).to_be_visible()
    type_into(lea, " Il y a des fruits.")
    expect(lea.locator(".cm-content")).to_contain_text("Le marche du vilage. Il y a des fruits.")
    expect(lea.locator("[data-connection]")).to_have_attribute("data-state", "connected")
