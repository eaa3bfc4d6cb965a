"""« Mon mot de passe » in a real Chromium: reachable from the header, labelled fields, 44 px targets."""

from __future__ import annotations

from playwright.sync_api import expect

from collab.demo.seeding import DEMO_PASSWORDS
from tests.support.tablets import OpenAs, screenshot


def test_a_teacher_changes_her_password_from_the_header(open_as: OpenAs) -> None:
    page = open_as("teacher", "/")
    link = page.get_by_role("link", name="Mon mot de passe")
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    link.click()
    expect(page.get_by_role("heading", name="Mon mot de passe")).to_be_visible()
    page.get_by_label("Mot de passe actuel").fill(DEMO_PASSWORDS["mme.durand"])
    page.get_by_label("Nouveau mot de passe (10 caractères au moins)").fill("castor-plume-volcan-ruban")
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill("castor-plume-volcan-ruban")
    submit = page.get_by_role("button", name="Changer mon mot de passe")
    box = submit.bounding_box()
    assert box is not None and box["height"] >= 44
    submit.click()
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été changé")
    screenshot(page, "my-password")
