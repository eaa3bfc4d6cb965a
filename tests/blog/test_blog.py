"""The class blog (first part): who reads it, the teacher's approval, the class setting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from httpx import Response
from starlette.testclient import TestClient

from collab.settings import Settings
from collab.store import Store
from tests.conftest import run_async
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_as

T = TypeVar("T")

BODY = "Chaque samedi matin, le marché arrive sur la place du village."


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work`` on a store of its own over the server's database."""

    async def run() -> T:
        store = await Store.open(settings.database_path)
        try:
            return await work(store)
        finally:
            await store.close()

    return run_async(run)


def publish(
    settings: Settings,
    school: DemoSchool,
    *,
    moderated: bool = True,
    doc: str | None = None,
    title: str = "Dictée : le marché du village",
    body: str = BODY,
) -> int:
    """The text of ``doc`` (Léa and Noé's dictation by default) agreed on: a post, the document closed."""

    async def make(store: Store) -> int:
        doc_id = doc or school.lea_doc
        pair_id = await store.documents.pair_of(doc_id)
        post = await store.blog.publish(
            doc_id=doc_id,
            class_id=school.class_id,
            pair_id=pair_id,
            task_id=school.dictation_task_id,
            title=title,
            body=body,
            state_vector=b"\x00",
            moderated=moderated,
        )
        return post.id

    return with_store(settings, make)


def blog(client: TestClient, school: DemoSchool) -> str:
    response = client.get(f"/blog/classe/{school.class_id}", headers={"accept": "text/html"})
    assert response.status_code == 200
    return response.text


def page(client: TestClient, url: str) -> Response:
    """A page as a browser asks for it (HTML errors, no redirect followed)."""
    return client.get(url, headers={"accept": "text/html"})


def test_a_submitted_text_waits_for_the_teacher(settings: Settings, school: DemoSchool) -> None:
    post_id = publish(settings, school)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY not in blog(parent, school)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        assert BODY not in blog(lea, school)
        assert "envoyé à la maîtresse ou au maître" in lea.get("/").text  # her home says the text is sent
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        page = blog(teacher, school)
        assert BODY in page and "envoyé (à valider)" in page and "Par Léa et Noé" in page
        approved = teacher.post(f"/blog/billet/{post_id}/publier", data={"csrf": csrf_from(page)})
        assert approved.status_code == 303
    for who in ("parent", "lea", "noe"):
        with browser(settings) as reader:
            sign_in_as(reader, who, school)
            page = blog(reader, school)
            assert BODY in page and "en attente" not in page and "Publier ce texte" not in page


def test_a_published_text_is_online_at_once(settings: Settings, school: DemoSchool) -> None:
    publish(settings, school, moderated=False)
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY in blog(parent, school)


@pytest.mark.parametrize("who", ["other teacher", "admin"])
def test_others_do_not_read_the_class_blog(settings: Settings, school: DemoSchool, who: str) -> None:
    publish(settings, school, moderated=False)
    with browser(settings) as other:
        sign_in_as(other, who, school)
        response = other.get(f"/blog/classe/{school.class_id}", headers={"accept": "text/html"})
        assert response.status_code == 403 and BODY not in response.text


@pytest.mark.parametrize("who", ["other teacher", "parent", "lea"])
def test_only_the_teacher_approves_and_sets_the_blog(settings: Settings, school: DemoSchool, who: str) -> None:
    post_id = publish(settings, school)
    with browser(settings) as other:
        sign_in_as(other, who, school)
        csrf = csrf_from(other.get("/").text)
        assert other.post(f"/blog/billet/{post_id}/publier", data={"csrf": csrf}).status_code == 403
        setting = other.post(f"/blog/classe/{school.class_id}/reglage", data={"csrf": csrf, "moderated": "0"})
        assert setting.status_code == 403
    with browser(settings) as parent:
        sign_in_as(parent, "parent", school)
        assert BODY not in blog(parent, school)


def test_forged_ids(client: TestClient, school: DemoSchool) -> None:
    sign_in_as(client, "teacher", school)
    csrf = csrf_from(client.get("/").text)
    assert client.get("/blog/classe/9999").status_code == 404
    assert client.get("/blog/classe/abc").status_code == 404
    assert client.post("/blog/billet/9999/publier", data={"csrf": csrf}).status_code == 404
    assert client.post("/blog/billet/1/publier", data={"csrf": "forged"}).status_code == 403
