"""The pair's task page: instructions and the phrase player, never the reference text."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from collab.demo import dictation as demo_dictation
from collab.models import DocStatus
from collab.settings import Settings
from tests.support.server import run_async
from tests.support.web import DemoSchool, browser, sign_in_as


def test_the_pair_listens_to_its_dictation_phrase_by_phrase(client: TestClient, school: DemoSchool) -> None:
    sign_in_as(client, "lea", school)
    home = client.get("/").text
    assert f'/ecrire/{school.lea_doc}"' in home
    page = client.get(f"/ecrire/{school.lea_doc}")
    assert page.status_code == 200
    text = page.text
    assert demo_dictation.TITLE in text and "Noé" in text
    assert "phrase par phrase" in text  # the group's instructions
    assert text.count('class="button segment"') == len(demo_dictation.PHRASES)
    assert f'/media/{school.demo_media_id}"' in text
    for phrase in demo_dictation.PHRASES[1:]:
        assert phrase not in text  # the reference stays hidden until publication
    audio = client.get(f"/media/{school.demo_media_id}", headers={"Range": "bytes=0-9"})
    assert audio.status_code == 206 and audio.content.startswith(b"ID3")


@pytest.mark.parametrize(
    ("who", "doc", "status"),
    [
        ("lea", "other_pair_doc", 403),
        ("teacher", "lea_doc", 200),
        ("other teacher", "lea_doc", 403),
        ("parent", "lea_doc", 403),
        ("admin", "lea_doc", 403),
        ("lea", "t999-p1", 404),
    ],
)
def test_who_may_open_a_task_page(client: TestClient, school: DemoSchool, who: str, doc: str, status: int) -> None:
    sign_in_as(client, who, school)
    doc_id = getattr(school, doc, doc)
    assert client.get(f"/ecrire/{doc_id}", headers={"accept": "text/html"}).status_code == status


def test_signed_out_visitors_go_to_the_sign_in_page(client: TestClient, school: DemoSchool) -> None:
    response = client.get(f"/ecrire/{school.lea_doc}", headers={"accept": "text/html"})
    assert response.status_code in (302, 303) and "/connexion" in response.headers["location"]


def test_a_locked_text_says_why(settings: Settings, school: DemoSchool) -> None:
    async def lock() -> None:
        from collab.store import Store

        store = await Store.open(settings.database_path)
        try:
            await store.documents.set_status(school.lea_doc, DocStatus.LOCKED)
        finally:
            await store.close()

    run_async(lock)
    with browser(settings) as lea:
        sign_in_as(lea, "lea", school)
        page = lea.get(f"/ecrire/{school.lea_doc}")
        assert page.status_code == 200 and "mis ce texte en pause" in page.text
