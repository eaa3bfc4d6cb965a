"""A pupil listens to the dictation phrase by phrase on a tablet (real Chromium, real MP3)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from collab.demo import dictation as demo_dictation
from tests.support.tablets import OpenAs, screenshot
from tests.support.web import DemoSchool


def audio(page: Page, prop: str) -> float:
    return float(page.evaluate(f"document.querySelector('[data-player] audio').{prop}"))


def test_the_player_plays_one_phrase_and_stops_at_its_end(open_as: OpenAs, school: DemoSchool) -> None:
    page = open_as("lea", f"/ecrire/{school.lea_doc}")
    player = page.locator("[data-player]")
    buttons = page.locator("[data-segment]")
    expect(buttons).to_have_count(len(demo_dictation.PHRASES))
    expect(page.get_by_role("button", name="Écouter")).to_be_visible()
    starts = player.get_attribute("data-segments") or ""
    ends = player.get_attribute("data-ends") or ""
    start, end = (float(v.strip("[]").split(",")[3]) for v in (starts, ends))

    page.get_by_role("button", name="Phrase 4").tap()
    expect(player).to_have_attribute("data-state", "playing")
    expect(player).to_have_attribute("data-current", "3")
    expect(page.get_by_text("phrase 4 sur 7")).to_be_visible()
    assert start - 0.05 <= audio(page, "currentTime") < end
    screenshot(page, "player-phrase-4")
    page.evaluate("document.querySelector('[data-player] audio').playbackRate = 4")  # a faster test
    expect(player).to_have_attribute("data-state", "paused", timeout=15_000)  # stopped by itself
    assert abs(audio(page, "currentTime") - end) < 0.3

    # the keyboard: a digit plays that phrase, ← goes back 5 s, L switches to slow
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Digit2")
    expect(player).to_have_attribute("data-current", "1")
    expect(player).to_have_attribute("data-state", "playing")
    page.keyboard.press("Space")
    expect(player).to_have_attribute("data-state", "paused")
    before = audio(page, "currentTime")
    page.keyboard.press("ArrowLeft")
    assert audio(page, "currentTime") == max(0.0, before - 5) or abs(audio(page, "currentTime") - before + 5) < 0.05
    page.keyboard.press("l")
    assert audio(page, "playbackRate") == 0.75
    expect(page.get_by_role("button", name="Lent")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Normal").tap()
    assert audio(page, "playbackRate") == 1.0


def test_big_play_button_and_back_five_seconds(open_as: OpenAs, school: DemoSchool) -> None:
    page = open_as("lea", f"/ecrire/{school.lea_doc}")
    player = page.locator("[data-player]")
    page.get_by_role("button", name="Écouter").tap()
    expect(player).to_have_attribute("data-state", "playing")
    page.wait_for_function("() => document.querySelector('[data-player] audio').currentTime > 1")
    page.get_by_role("button", name="Pause").tap()
    expect(player).to_have_attribute("data-state", "paused")
    page.get_by_role("button", name="5 s en arrière").tap()
    assert audio(page, "currentTime") == 0.0
    box = page.get_by_role("button", name="Phrase 1").bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48  # a finger's size
