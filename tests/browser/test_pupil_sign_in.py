"""A pupil signs in on a tablet: class code, own name, three pictures (real Chromium)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from collab.accounts.sign_in import PICTURES
from tests.support.server import ServerThread
from tests.support.tablets import screenshot
from tests.support.web import DemoSchool


def picture_names(numbers: tuple[int, ...]) -> list[str]:
    return [PICTURES[n - 1].name for n in numbers]


def test_pupil_signs_in_with_pictures_on_a_tablet(tablet: Page, server: ServerThread, school: DemoSchool) -> None:
    tablet.goto(f"{server.http_url}/connexion")
    tablet.get_by_label("Le code de ma classe").fill(school.code.lower())
    screenshot(tablet, "sign-in-code")
    tablet.get_by_role("button", name="Continuer").click()
    expect(tablet.get_by_role("heading", name="Qui es-tu ?")).to_be_visible()
    screenshot(tablet, "sign-in-names")
    tablet.get_by_role("link", name="Léa", exact=True).click()
    expect(tablet.get_by_role("heading", name="Bonjour Léa !")).to_be_visible()
    # A wrong sequence first: the page says so, in words a child understands.
    wrong = [p.name for p in PICTURES if p.number not in school.lea_pictures][:3]
    for name in wrong:
        tablet.get_by_role("button", name=name, exact=True).tap()
    expect(tablet.get_by_role("alert")).to_contain_text("Ce ne sont pas les bonnes images")
    for name in picture_names(school.lea_pictures):
        tablet.get_by_role("button", name=name, exact=True).tap()
    expect(tablet.get_by_role("heading", name="Bonjour Léa !")).to_be_visible()
    expect(tablet.get_by_text("Tu écris avec Noé")).to_be_visible()
    screenshot(tablet, "pupil-home")


def test_pictures_can_be_chosen_with_the_keyboard(tablet: Page, server: ServerThread, school: DemoSchool) -> None:
    tablet.goto(f"{server.http_url}/classe/{school.code}/{school.lea_id}")
    screenshot(tablet, "sign-in-pictures")
    for name in picture_names(school.lea_pictures):
        tablet.get_by_role("button", name=name, exact=True).focus()
        tablet.keyboard.press("Enter")
    expect(tablet.get_by_text("Tu écris avec Noé")).to_be_visible()
