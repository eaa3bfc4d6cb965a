"""Helpers for page tests: the demo school, a TestClient, CSRF fields and sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from httpx import Response
from starlette.testclient import TestClient

from collab.accounts.passwords import hash_password, password_hasher
from collab.demo.seeding import DEMO_PASSWORDS, seed_demo
from collab.mediatheque.files import MediaLibrary
from collab.models import Role
from collab.settings import Settings
from collab.store import Store

OTHER_PASSWORD = "mot-de-passe-de-test"


@dataclass
class DemoSchool:
    code: str
    class_id: int
    lea_id: int
    noe_id: int
    lea_pictures: tuple[int, ...]
    noe_pictures: tuple[int, ...]
    other_class_id: int
    other_class_pupil_id: int
    other_school_class_id: int
    lea_doc: str  # Léa and Noé's dictation (pair 1)
    other_pair_doc: str  # pair 2's dictation, same class
    pair7_doc: str  # pair 7's dictation
    dictation_task_id: int
    demo_media_id: int  # the spoken dictation in the médiathèque


async def seed_demo_school(settings: Settings) -> DemoSchool:
    store = await Store.open(settings.store_target)
    try:
        library = MediaLibrary(settings.media_dir, settings.max_media_bytes)
        demo = await seed_demo(store, library, password_hasher(settings))
        lea = await store.accounts.get_user_by_login("lea.martin")
        assert lea is not None
        pictures = (await store.accounts.get_credentials(lea.id)).pictures
        assert pictures is not None
        school = await store.schools.ensure_school("Montpellier", "École Jean Macé")
        other = await store.schools.ensure_class(school.id, "CE2 Blanc", "CE2", "2026-2027")
        stranger = await store.accounts.ensure_user("tom.autre", "Tom", Role.PUPIL)
        await store.schools.add_pupil(other.id, stranger.id)
        # Another teacher (of the CE2), another school and its administrator.
        blanc = await store.accounts.ensure_user("m.blanc", "M. Blanc", Role.TEACHER)
        await store.schools.add_teacher(other.id, blanc.id)
        hugo = await store.schools.ensure_school("Montpellier", "École Victor Hugo")
        far = await store.schools.ensure_class(hugo.id, "CM2 Hugo", "CM2", "2026-2027")
        admin = await store.accounts.ensure_user("admin.hugo", "Administration Hugo", Role.ADMIN)
        await store.schools.add_admin_scope(admin.id, school_id=hugo.id)
        for user in (blanc, admin):
            await store.accounts.set_password_hash(user.id, hash_password(password_hasher(settings), OTHER_PASSWORD))
        noe = await store.accounts.get_user_by_login("noe.bernard")
        demo_class = await store.schools.get_class_by_code(demo.class_code)
        assert noe is not None and demo_class is not None
        noe_pictures = (await store.accounts.get_credentials(noe.id)).pictures
        assert noe_pictures is not None
        [dictation] = [t for t in await store.tasks.list_for_class(demo_class.id) if t.kind == "dictation"]
        docs = {d.pair_id: d.doc_id for d in await store.tasks.documents(dictation.id)}
        pairs = {p.number: p.id for p in await store.pairs.current_pairs(demo_class.id)}
        return DemoSchool(
            code=demo.class_code,
            class_id=demo_class.id,
            lea_id=lea.id,
            noe_id=noe.id,
            lea_pictures=pictures,
            noe_pictures=noe_pictures,
            other_class_id=other.id,
            other_class_pupil_id=stranger.id,
            other_school_class_id=far.id,
            lea_doc=demo.doc,
            other_pair_doc=docs[pairs[2]],
            pair7_doc=docs[pairs[7]],
            dictation_task_id=dictation.id,
            demo_media_id=dictation.groups[0].media_id or 0,
        )
    finally:
        await store.close()


def browser(settings: Settings) -> TestClient:
    """Another browser, on an app of its own over the same data (use it as a context manager)."""
    from collab.app import create_app

    return TestClient(create_app(settings), base_url="http://127.0.0.1", follow_redirects=False)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in_pupil(client: TestClient, school: DemoSchool, who: str = "lea") -> None:
    pupil_id, chosen = (school.lea_id, school.lea_pictures) if who == "lea" else (school.noe_id, school.noe_pictures)
    url = f"/classe/{school.code}/{pupil_id}"
    page = client.get(url)
    pictures = ",".join(str(n) for n in chosen)
    assert client.post(url, data={"csrf": csrf_from(page.text), "pictures": pictures}).status_code == 303


def sign_in_adult(client: TestClient, login: str, password: str) -> tuple[int, str]:
    page = client.get("/connexion")
    response = client.post("/connexion", data={"csrf": csrf_from(page.text), "login": login, "password": password})
    return response.status_code, response.text


ADULTS = {
    "teacher": ("mme.durand", DEMO_PASSWORDS["mme.durand"]),
    "other teacher": ("m.blanc", OTHER_PASSWORD),
    "parent": ("p.martin", DEMO_PASSWORDS["p.martin"]),
    "admin": ("admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"]),
}


def sign_in_as(client: TestClient, who: str, school: DemoSchool) -> str:
    """Sign ``who`` ("lea", "noe" or a key of ADULTS) in through the pages; return the session cookie."""
    if who in ("lea", "noe"):
        sign_in_pupil(client, school, who)
    else:
        assert sign_in_adult(client, *ADULTS[who])[0] == 303
    return str(client.cookies["binome_session"])


#: ``as_who("parent")``: a browser (a TestClient of its own) signed in as that person.
AsWho = Callable[[str], TestClient]


def blog(client: TestClient, school: DemoSchool) -> str:
    response = client.get(f"/blog/classe/{school.class_id}", headers={"accept": "text/html"})
    assert response.status_code == 200
    return response.text


def page(client: TestClient, url: str) -> Response:
    """A page as a browser asks for it (HTML errors, no redirect followed)."""
    return client.get(url, headers={"accept": "text/html"})
