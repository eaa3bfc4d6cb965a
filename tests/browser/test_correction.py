"""The teacher's correction view in real Chromium: marks say their category, a selection becomes
an annotation, a category is overridden; the pupils then see their corrected text."""

from __future__ import annotations

from playwright.sync_api import expect

from collab.settings import Settings
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.tablets import OpenAs, screenshot
from tests.support.web import DemoSchool


def test_the_teacher_corrects_annotates_and_the_pupil_reads(
    open_as: OpenAs, settings: Settings, school: DemoSchool
) -> None:
    write_and_agree(settings, school)
    page = open_as("teacher", f"/enseignant/texte/{school.lea_doc}")
    marks = page.locator("[data-annotated] .mark")
    expect(marks.filter(has_text="arrive")).to_have_attribute("title", "accord : « arrivent »")
    expect(page.locator(".counts")).to_contain_text("Homophone : 1")
    # select "les plus belles pommes" in the text with the mouse's equivalent: a DOM range
    start = LEA_DICTATION.index("les plus belles pommes")
    page.evaluate(
        """([start, length]) => {
          const text = document.querySelector('[data-annotated]')
          const span = [...text.querySelectorAll('[data-start]')].filter(s => !s.classList.contains('missing'))
            .filter(s => Number(s.dataset.start) <= start).pop()
          const node = span.firstChild
          const range = document.createRange()
          range.setStart(node, start - Number(span.dataset.start))
          range.setEnd(node, start - Number(span.dataset.start) + length)
          const selection = window.getSelection()
          selection.removeAllRanges()
          selection.addRange(range)
        }""",
        [start, len("les plus belles pommes")],
    )
    expect(page.locator("[data-selection]")).to_contain_text("« les plus belles pommes »")
    page.get_by_label("Type").select_option("accord_gn")
    page.get_by_label("Remarque (facultative)").fill("Bien accordé !")
    page.get_by_role("button", name="Ajouter l'annotation").click()
    expect(page.locator(".annotations")).to_contain_text("« les plus belles pommes » : accord dans le groupe nominal")
    expect(page.locator("[data-annotated] .noted")).to_have_count(1)
    # the teacher decides that "a" for "à" is an accent mistake, not a homophone
    row = page.locator("tr", has_text="à").filter(has=page.locator("td", has_text="homophone"))
    row.get_by_role("combobox").select_option("accent")
    row.get_by_role("button", name="Changer").click()
    expect(page.locator(".counts")).to_contain_text("Accent : 1")
    expect(page.locator(".counts")).not_to_contain_text("Homophone")
    page.get_by_label("Commentaire").fill("Relisez les accords du verbe.")
    page.get_by_role("button", name="Enregistrer le commentaire").click()
    expect(page.locator("[role=status]")).to_contain_text("commentaire enregistré")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "correction-teacher")
    # Léa reads her corrected text, the dictation's text and the teacher's word
    lea = open_as("lea", f"/texte/{school.lea_doc}/correction")
    expect(lea.locator("h2", has_text="Le texte de la dictée")).to_be_visible()
    expect(lea.locator(".fixes")).to_contain_text("« arrive » → « arrivent »")
    expect(lea.locator(".teacher-comment")).to_have_text("Relisez les accords du verbe.")
    expect(lea.locator(".annotations")).to_contain_text("Bien accordé !")
    screenshot(lea, "correction-pupil")
    # and starts the second draft together
    lea.get_by_role("button", name="Écrire un deuxième jet").click()
    expect(lea.locator("#room")).to_have_attribute("data-ready", "true")
    assert lea.url.endswith(f"/ecrire/{school.lea_doc}-j2")


def test_the_pupil_taps_a_word_to_see_what_was_to_be_written(
    open_as: OpenAs, settings: Settings, school: DemoSchool
) -> None:
    write_and_agree(settings, school)
    lea = open_as("lea", f"/texte/{school.lea_doc}/correction")
    expect(lea.get_by_text("Touche un mot souligné pour voir ce qu'il fallait écrire.")).to_be_visible()
    expect(lea.get_by_text("Passe le doigt ou la souris")).to_have_count(0)
    explain = lea.locator("[data-mark-explain]")
    expect(explain).to_be_hidden()
    word = lea.locator("[data-annotated] .mark", has_text="arrive")
    word.tap()  # a finger on a tablet: no hover
    expect(explain).to_be_visible()
    expect(explain).to_have_text("« arrive » — accord : « arrivent »")
    expect(word).to_have_attribute("aria-expanded", "true")
    box = explain.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1024  # seen without scrolling
    word.tap()  # a second tap closes it
    expect(explain).to_be_hidden()
    # and from the keyboard: Tab to a word, then Enter
    other = lea.locator("[data-annotated] .mark[title]").first
    other.focus()
    lea.keyboard.press("Enter")
    expect(explain).to_be_visible()
    expect(explain).to_contain_text(str(other.get_attribute("title")))
