"""« On est d'accord » over a real server: real sockets for the pair, HTTP for the agreement."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from collab.settings import Settings
from tests.support.data import class_posts, with_store
from tests.support.pupils import Pupil, agree, room_state, signed_in, typed_together
from tests.support.server import ServerThread
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_as
from tests.support.yclient import YClient

pytestmark = pytest.mark.anyio


def posts(settings: Settings, school: DemoSchool) -> list[tuple[str, str, str]]:
    return [(p.doc_id, p.body, p.status) for p in class_posts(settings, school)]


@pytest.fixture
def pair(settings: Settings, school: DemoSchool) -> tuple[Pupil, Pupil]:
    return signed_in(settings, school, "lea"), signed_in(settings, school, "noe")


async def test_both_agree_and_the_text_is_posted_once(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    lea, noe = pair
    a, b = await typed_together(server, school, pair, "Le marché du village.")
    first = await agree(server, school.lea_doc, lea, a.doc.get_state())
    assert first.status_code == 200 and first.json()["agreed"] == [school.lea_id] and first.json()["post"] is None
    await b.wait_for(lambda c: room_state(c).get("agreed") == [school.lea_id])
    second = await agree(server, school.lea_doc, noe, b.doc.get_state())
    assert second.status_code == 200 and second.json()["post"]["submitted"] is True
    post_id = second.json()["post"]["id"]  # a submitted text's page is the teacher's: the room links to the blog
    assert second.json()["post"]["url"].endswith(f"/blog/classe/{school.class_id}#billet-{post_id}")
    assert posts(settings, school) == [(school.lea_doc, "Le marché du village.", "submitted")]
    # Publishing is the end the pair worked for: both stay connected, as readers, and see each other.
    await a.wait_for(lambda c: room_state(c).get("published") is True and room_state(c).get("submitted") is True)
    await b.set_awareness({"user": {"name": "Noe"}})
    await a.wait_for(lambda c: any("Noe" in state for state in c.awareness.values()))
    await b.append(" Encore.")  # the text no longer changes: a late keystroke closes with 4409
    assert await b.wait_closed() == 4409
    assert posts(settings, school) == [(school.lea_doc, "Le marché du village.", "submitted")]
    again = await YClient.connect(
        server.doc_url(school.lea_doc), additional_headers={"Cookie": f"binome_session={lea.cookie}"}
    )
    assert await again.wait_closed() == 4409


async def test_agreeing_at_the_same_instant_makes_one_post(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    lea, noe = pair
    a, b = await typed_together(server, school, pair, "Ensemble.")
    answers = await asyncio.gather(
        agree(server, school.lea_doc, lea, a.doc.get_state()), agree(server, school.lea_doc, noe, b.doc.get_state())
    )
    assert [r.status_code for r in answers] == [200, 200]
    assert len(posts(settings, school)) == 1


async def test_an_edit_after_an_agreement_clears_it(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    lea, noe = pair
    a, b = await typed_together(server, school, pair, "Il pleut.")
    assert (await agree(server, school.lea_doc, lea, a.doc.get_state())).status_code == 200
    await b.append(" Il neige.")  # Noé changes the text after Léa agreed
    await a.wait_text("Il pleut. Il neige.")
    await a.wait_for(lambda c: room_state(c).get("agreed") == [])
    answer = await agree(server, school.lea_doc, noe, b.doc.get_state())
    assert answer.json()["agreed"] == [school.noe_id] and answer.json()["post"] is None
    assert posts(settings, school) == []
    assert list(with_store(settings, lambda store: store.blog.agreements(school.lea_doc))) == [school.noe_id]


async def test_an_old_version_is_refused(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    _, noe = pair
    a, b = await typed_together(server, school, pair, "Avant.")
    seen_by_noe = b.doc.get_state()
    await a.append(" Après.")
    await b.wait_text("Avant. Après.")
    answer = await agree(server, school.lea_doc, noe, seen_by_noe)
    assert answer.status_code == 409 and "Le texte vient de changer" in answer.json()["error"]


async def test_agreeing_needs_a_connection(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    lea, _ = pair
    answer = await agree(server, school.lea_doc, lea, b"\x00")
    assert answer.status_code == 409 and "n'est pas connecté" in answer.json()["error"]


@pytest.mark.parametrize(
    ("who", "doc", "body", "headers", "status"),
    [
        ("teacher", "lea_doc", None, {}, 403),  # readers do not publish
        ("lea", "other_pair_doc", None, {}, 403),
        ("lea", "t999-p1", None, {}, 404),
        ("lea", "lea_doc", None, {"x-csrf-token": "forged"}, 403),
        ("lea", "lea_doc", b"{not json", {}, 400),
        ("lea", "lea_doc", b'{"version": "%%%"}', {}, 400),
        ("lea", "lea_doc", b'{"version": "gICAgICAgICAgIA="}', {}, 400),  # a varint that never ends
        ("lea", "lea_doc", b"x" * 5000, {}, 400),
    ],
)
async def test_bad_agreements_are_refused(
    server: ServerThread,
    settings: Settings,
    school: DemoSchool,
    who: str,
    doc: str,
    body: bytes | None,
    headers: dict[str, str],
    status: int,
) -> None:
    user = signed_in(settings, school, who)
    doc_id = getattr(school, doc, doc)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        answer = await http.post(
            f"/ecrire/{doc_id}/accord",
            content=body if body is not None else json.dumps({"version": base64.b64encode(b"\x00").decode()}),
            headers={"Cookie": f"binome_session={user.cookie}", "x-csrf-token": user.csrf, **headers},
        )
    assert answer.status_code == status
    assert answer.json()["error"]  # a French sentence for the page
    assert posts(settings, school) == []


async def test_signed_out_agreement_is_refused(server: ServerThread, school: DemoSchool) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        answer = await http.post(f"/ecrire/{school.lea_doc}/accord", content=b"{}")
    assert answer.status_code == 401


async def test_without_moderation_the_post_is_published_at_once(
    server: ServerThread, settings: Settings, school: DemoSchool, pair: tuple[Pupil, Pupil]
) -> None:
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        page = teacher.get(f"/blog/classe/{school.class_id}")
        response = teacher.post(
            f"/blog/classe/{school.class_id}/reglage", data={"csrf": csrf_from(page.text), "moderated": "0"}
        )
        assert response.status_code == 303
    lea, noe = pair
    a, b = await typed_together(server, school, pair, "Tout de suite.")
    await agree(server, school.lea_doc, lea, a.doc.get_state())
    answer = await agree(server, school.lea_doc, noe, b.doc.get_state())
    assert answer.json()["post"]["submitted"] is False
    assert answer.json()["post"]["url"].endswith(f"/blog/billet/{answer.json()['post']['id']}")
    assert posts(settings, school) == [(school.lea_doc, "Tout de suite.", "published")]
