"""Families read the class blog: on a phone (real Chromium at 390 × 844) nothing overflows; a second
draft shows beside the first, the changes marked."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from collab.accounts.passwords import password_hasher
from collab.demo.seeding import seed_demo
from collab.mediatheque.files import MediaLibrary
from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.followup_data import write_and_agree
from tests.support.tablets import OpenAs, screenshot
from tests.support.web import DemoSchool

PHONE = {"width": 390, "height": 844}


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_parent_reads_the_blog_on_a_phone(open_as: OpenAs, settings: Settings, school: DemoSchool) -> None:
    write_and_agree(settings, school)
    page = open_as("parent", f"/blog/classe/{school.class_id}")
    page.set_viewport_size(PHONE)
    expect(page.locator("h1")).to_contain_text("blog")
    assert fits(page), "the blog list is wider than the phone"
    page.get_by_role("link", name="Dictée : le marché du village").first.click()
    expect(page.locator("body")).to_contain_text("Léa")
    assert fits(page), "the post page is wider than the phone"
    screenshot(page, "blog-post-phone")


def test_a_family_sees_both_drafts_side_by_side(open_as: OpenAs, settings: Settings, school: DemoSchool) -> None:
    async def after_the_lesson(store: Store) -> str:
        library = MediaLibrary(settings.media_dir, settings.max_media_bytes)
        await seed_demo(store, library, password_hasher(settings), after_lesson=True)
        posts = await store.blog.posts_of_class(school.class_id, with_submitted=False)
        return str(next(p.id for p in posts if p.doc_id.endswith("-j2")))

    post_id = with_store(settings, after_the_lesson)
    page = open_as("parent", f"/blog/billet/{post_id}")
    expect(page.locator("body")).to_contain_text("Du premier jet au deuxième jet")
    expect(page.locator("ins").first).to_be_visible()
    expect(page.locator("del", has_text="noir")).to_have_count(1)
    screenshot(page, "blog-drafts")
