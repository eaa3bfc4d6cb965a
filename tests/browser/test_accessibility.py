"""Every main page at tablet size (issue 13, point 13): axe-core finds no violation, whatever its
impact, and every visible control is at least 44 px high.

axe-core comes from npm (pinned in tests/js/package.json, installed by ``npm ci`` in tests/js:
``make js-deps``). Playwright inlines it into the page: the test's contexts bypass the CSP that
forbids inline scripts on our pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from collab.demo.followup import seed_follow_up
from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.followup_data import write_and_agree
from tests.support.server import REPO, ServerThread
from tests.support.tablets import TABLET, OpenAs
from tests.support.web import DemoSchool

AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
MIN_TARGET = 44
NOT_FOUND = "/cette-page-n-existe-pas"  # the error page


@dataclass(frozen=True)
class Ids:
    school: int
    free_doc: str  # Léa and Noé's free writing, still open: the pupils' room
    post: int  # Léa and Noé's dictation, published


def lesson_done(settings: Settings, school: DemoSchool) -> Ids:
    """The demo class after a lesson: published texts, one waiting for approval, second drafts."""

    async def work(store: Store) -> Ids:
        klass = await store.schools.get_class(school.class_id)
        teacher = await store.accounts.get_user_by_login("mme.durand")
        assert klass is not None and teacher is not None
        pairs = await store.pairs.current_pairs(klass.id)
        await seed_follow_up(store, klass, teacher, pairs)
        [free] = [t for t in await store.tasks.list_for_class(klass.id) if t.kind == "free"]
        [doc] = [d.doc_id for d in await store.tasks.documents(free.id) if d.pair_id == pairs[0].id]
        return Ids(school=klass.school_id, free_doc=doc, post=0)

    ids = with_store(settings, work)
    write_and_agree(settings, school)

    async def post_id(store: Store) -> int:
        post = await store.blog.post_of_document(school.lea_doc)
        assert post is not None
        return post.id

    return Ids(ids.school, ids.free_doc, with_store(settings, post_id))


def main_pages(school: DemoSchool, ids: Ids) -> dict[str | None, list[str]]:
    """Who (None: nobody signed in) sees which pages."""
    klass, task = f"/enseignant/classe/{school.class_id}", f"/enseignant/tache/{school.dictation_task_id}"
    blog = f"/blog/classe/{school.class_id}"
    return {
        None: [
            "/",
            "/connexion",
            "/classe",
            f"/classe/{school.code}",
            f"/classe/{school.code}/{school.lea_id}",
            NOT_FOUND,
        ],
        "lea": [
            "/",
            f"/ecrire/{ids.free_doc}",
            f"/texte/{school.lea_doc}/correction",
            blog,
            f"/blog/billet/{ids.post}",
        ],
        "teacher": [
            "/",
            f"{task}/tableau",
            f"{klass}/taches",
            f"{klass}/binomes",
            klass,
            f"{klass}/mediatheque",
            f"{klass}/mediatheque/{school.demo_media_id}/phrases",
            f"{task}/suivi",
            f"/enseignant/texte/{school.lea_doc}",
            f"/enseignant/document/{school.lea_doc}/replay",
            f"{task}/export",
            f"{task}/profil",
            blog,
            f"/blog/billet/{ids.post}",
            f"{blog}/moderation",
            "/mon-mot-de-passe",
        ],
        "parent": ["/", blog],
        "admin": ["/", f"/admin/ecole/{ids.school}", f"/admin/eleve/{school.lea_id}", "/admin/en-direct"],
    }


@pytest.fixture
def pages(
    open_as: OpenAs, browser: Browser, server: ServerThread, settings: Settings, school: DemoSchool
) -> Iterator[list[tuple[str, str, Page]]]:
    ids = lesson_done(settings, school)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="fr-FR", bypass_csp=True)
    visits: list[tuple[str, str, Page]] = []
    for who, paths in main_pages(school, ids).items():
        page = open_as(who, "/", bypass_csp=True) if who else context.new_page()
        page.set_default_timeout(10_000)
        visits.extend((who or "anonyme", path, page) for path in paths)
    yield visits
    context.close()


def visit(page: Page, server: ServerThread, path: str) -> None:
    """Open ``path`` and wait until its scripts have drawn it."""
    response = page.goto(server.http_url + path)
    assert response is not None
    assert response.status == (404 if path == NOT_FOUND else 200), f"{path}: {response.status}"
    if path.startswith("/ecrire/"):
        expect(page.locator("#room")).to_have_attribute("data-ready", "true")
    elif path.endswith("/tableau"):
        expect(page.locator(".pair-card").first).to_be_visible()
    elif path.endswith("/replay"):
        expect(page.locator("#replay")).to_have_attribute("data-ready", "true")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' — ' + n.failureSummary.split('\\n')[1])
        }))"""
    )
    return found


#: Interactive elements and how tall they are, except targets WCAG 2.5.8 exempts: a link inside a
#: sentence (its height is the line's) and an element hidden but for screen readers (1 px).
SMALL_TARGETS_JS = """(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], label'
  const inSentence = (el) => {
    const style = getComputedStyle(el)
    if (style.display !== 'inline') return false
    const around = el.parentElement.textContent.replace(/\\s+/g, ' ').trim()
    return around.length > el.textContent.replace(/\\s+/g, ' ').trim().length
  }
  const small = []
  for (const el of document.querySelectorAll(selector)) {
    if (el.tagName === 'LABEL' && !el.querySelector('input[type=checkbox], input[type=radio]')) continue
    // a box inside its label: the label is the target
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) continue
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue
    const box = el.getBoundingClientRect()
    if (box.width <= 1 && box.height <= 1) continue  // .visually-hidden
    if (el.tagName === 'A' && inSentence(el)) continue
    if (box.height < min - 0.5) {
      const name = (el.textContent || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40)
      const classes = el.className ? '.' + String(el.className).split(' ').join('.') : ''
      small.push(`${el.tagName.toLowerCase()}${classes} « ${name} » ${Math.round(box.height)} px`)
    }
  }
  return small
}"""


def test_main_pages_pass_axe_and_every_control_is_44_px_high(
    pages: list[tuple[str, str, Page]], server: ServerThread
) -> None:
    """One visit per page, two checks: axe-core's rules (all impacts), and target sizes."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` in tests/js (make js-deps)"
    violations, small_targets = [], []
    for who, path, page in pages:
        visit(page, server, path)
        small: list[str] = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
        small_targets.extend(f"{who} {path}: {target}" for target in small)
        for v in axe_violations(page):
            nodes = "\n    ".join(v["nodes"])
            violations.append(f"{who} {path}: {v['id']} ({v['impact']}) {v['help']}\n    {nodes}")
    report = ["axe-core:", *violations] if violations else []
    report += [f"under {MIN_TARGET} px:", *small_targets] if small_targets else []
    assert not report, "\n".join(report)
