"""The school year (issue 13, point 8): after the roll-over, a class's teachers keep reading its
work (read only, said on every page, every change refused with its reason); parents keep the
blogs of their children's past classes; pupils are carried into this year's class with their
login and pictures, and write nothing more in last year's texts."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter

import httpx
import pytest
from starlette.testclient import TestClient

from collab.accounts.passwords import hash_password, password_hasher
from collab.demo.seeding import DEMO_SCHOOL_YEAR
from collab.models import Role
from collab.settings import Settings
from collab.store import Store
from tests.support.data import class_school, publish_written, stored_text_has, with_store
from tests.support.pupils import Pupil, join_closed, post_form, signed_in
from tests.support.server import ServerThread, run_async
from tests.support.web import OTHER_PASSWORD, AsWho, DemoSchool, browser, csrf_from, sign_in_adult

BANNER = f"Classe archivée (année {DEMO_SCHOOL_YEAR}) : lecture seule"
NEXT_YEAR = "2027-2028"


def roll_over(as_who: AsWho, settings: Settings, school: DemoSchool) -> None:
    admin = as_who("admin")
    sid = class_school(settings, school.class_id)
    csrf = csrf_from(admin.get(f"/admin/ecole/{sid}").text)
    data = {"csrf": csrf, "year": DEMO_SCHOOL_YEAR, "confirm": "oui"}
    assert admin.post(f"/admin/ecole/{sid}/annee", data=data).status_code == 303


@pytest.fixture
def archived(as_who: AsWho, settings: Settings, school: DemoSchool) -> int:
    """Léa and Noé's dictation published on the blog, then the demo class archived: the post id."""
    post = publish_written(settings, school, school.lea_doc, "Le marché du village.", [(school.lea_id, "Le marché.")])
    roll_over(as_who, settings, school)
    return post


def reads(school: DemoSchool, post: int) -> dict[str, str]:
    task, doc, klass = school.dictation_task_id, school.lea_doc, school.class_id
    return {
        "tasks": f"/enseignant/classe/{klass}/taches",
        "dashboard": f"/enseignant/tache/{task}/tableau",
        "follow-up": f"/enseignant/tache/{task}/suivi",
        "print": f"/enseignant/tache/{task}/export",
        "pdf": f"/enseignant/tache/{task}/export.pdf",
        "csv": f"/enseignant/tache/{task}/notes.csv",
        "profile": f"/enseignant/tache/{task}/profil",
        "text": f"/enseignant/texte/{doc}",
        "replay": f"/enseignant/document/{doc}/replay",
        "replay data": f"/enseignant/document/{doc}/replay.json",
        "blog": f"/blog/classe/{klass}",
        "post": f"/blog/billet/{post}",
    }


#: What an archived class's pages show: the banner (HTML pages) and no form that changes anything.
WRITE_FORMS = ("/verrou", "/bareme", "/variantes", "/annotations", "/commentaire", "/jet-suivant", "/correction")


@pytest.mark.parametrize(
    "page", ["tasks", "dashboard", "follow-up", "print", "pdf", "csv", "profile", "text", "replay", "replay data"]
)
def test_the_teacher_keeps_reading_an_archived_class(
    as_who: AsWho, school: DemoSchool, archived: int, page: str
) -> None:
    teacher = as_who("teacher")
    response = teacher.get(reads(school, archived)[page])
    assert response.status_code == 200
    if response.headers["content-type"].startswith("text/html"):
        assert BANNER in response.text
        forms = [a for a in response.text.split('action="')[1:] if not a.startswith("http://127.0.0.1/deconnexion")]
        assert not [f for f in forms if any(w in f.split('"')[0] for w in WRITE_FORMS)], page
        assert "Créer la tâche" not in response.text


def test_the_archived_dashboard_hides_its_buttons(as_who: AsWho, school: DemoSchool, archived: int) -> None:
    page = as_who("teacher").get(reads(school, archived)["dashboard"]).text
    for button in ('data-lock-all="lock" hidden', "data-end hidden", "data-lock hidden", "data-message-form hidden"):
        assert button in page


def test_the_blog_of_an_archived_class_is_read_by_its_teacher_and_parents(
    as_who: AsWho, school: DemoSchool, archived: int
) -> None:
    for who in ("teacher", "parent"):
        client = as_who(who)
        for page in ("blog", "post"):
            response = client.get(reads(school, archived)[page])
            assert response.status_code == 200 and BANNER in response.text, (who, page)
            assert "Le marché" in response.text
            assert "Envoyer le commentaire" not in response.text and "Retirer du blog" not in response.text


def test_parents_find_past_years_blogs_on_their_home(as_who: AsWho, school: DemoSchool, archived: int) -> None:
    home = as_who("parent").get("/").text
    assert "Les années passées" in home and f"Année {DEMO_SCHOOL_YEAR}" in home
    assert f'href="http://127.0.0.1/blog/classe/{school.class_id}"' in home


def writes(school: DemoSchool, post: int) -> dict[str, tuple[str, dict[str, str]]]:
    task, doc, klass = school.dictation_task_id, school.lea_doc, school.class_id
    return {
        "new task": (f"/enseignant/classe/{klass}/taches", {"kind": "free", "title": "Encore"}),
        "lock all": (f"/enseignant/tache/{task}/verrou", {"action": "lock"}),
        "unlock one": (f"/enseignant/tache/{task}/document/{doc}/verrou", {"action": "unlock"}),
        "end task": (f"/enseignant/tache/{task}/terminer", {}),
        "message": (f"/enseignant/tache/{task}/document/{doc}/message", {"text": "Bravo"}),
        "marking": (f"/enseignant/tache/{task}/bareme", {"marking": "classic"}),
        "variant": (f"/enseignant/tache/{task}/variantes", {"expected": "clé", "got": "clef", "action": "accept"}),
        "correction": (f"/enseignant/texte/{doc}/correction", {"start": "0", "end": "2", "category": "ok"}),
        "annotation": (f"/enseignant/texte/{doc}/annotations", {"start": "0", "end": "2", "kind": "praise"}),
        "teacher comment": (f"/enseignant/texte/{doc}/commentaire", {"body": "Très bien"}),
        "second draft": (f"/texte/{doc}/jet-suivant", {}),
        "send back": (f"/blog/billet/{post}/renvoyer", {"commentaire": "Encore"}),
        "unpublish": (f"/blog/billet/{post}/retirer", {}),
        "comment": (f"/blog/billet/{post}/commentaires", {"commentaire": "Bravo !"}),
        "post comments": (f"/blog/billet/{post}/commentaires/reglage", {"mode": "off"}),
        "moderation": (f"/blog/classe/{klass}/reglage", {"moderated": "0"}),
        "class comments": (f"/blog/classe/{klass}/commentaires", {"mode": "off"}),
        "close comments": (f"/blog/classe/{klass}/commentaires/fermeture", {}),
        "feed key": (f"/blog/classe/{klass}/atom/nouvelle-cle", {}),
        "add pupils": (f"/enseignant/classe/{klass}/eleves", {"names": "Zoé"}),
        "pairs": (f"/enseignant/classe/{klass}/binomes/hasard", {}),
    }


WRITE_NAMES = list(writes(DemoSchool("", 0, 0, 0, (), (), 0, 0, 0, "", "", "", 0, 0), 0))


@pytest.mark.parametrize("action", WRITE_NAMES)
def test_every_change_on_an_archived_class_is_refused_with_its_reason(
    as_who: AsWho, settings: Settings, school: DemoSchool, archived: int, action: str
) -> None:
    teacher = as_who("teacher")
    csrf = csrf_from(teacher.get("/").text)
    path, data = writes(school, archived)[action]
    before = _fingerprint(settings)
    refused = teacher.post(path, data={"csrf": csrf, **data}, headers={"accept": "text/html"})
    assert refused.status_code == 403, action
    assert "Cette classe est archivée" in refused.text
    assert _fingerprint(settings) == before  # nothing changed


def test_an_upload_to_an_archived_class_is_refused(as_who: AsWho, school: DemoSchool, archived: int) -> None:
    teacher = as_who("teacher")
    csrf = csrf_from(teacher.get("/").text)
    refused = teacher.post(
        f"/enseignant/classe/{school.class_id}/mediatheque",
        data={"csrf": csrf, "name": "Son"},
        files={"file": ("son.wav", b"RIFF0000WAVE", "audio/wav")},
    )
    assert refused.status_code == 403


def test_the_parents_comment_on_a_past_blog_is_refused(as_who: AsWho, school: DemoSchool, archived: int) -> None:
    parent = as_who("parent")
    csrf = csrf_from(parent.get("/").text)
    path, data = writes(school, archived)["comment"]
    refused = parent.post(path, data={"csrf": csrf, **data}, headers={"accept": "text/html"})
    assert refused.status_code == 403 and "Cette classe est archivée" in refused.text


def _fingerprint(settings: Settings) -> list[object]:
    with sqlite3.connect(settings.database_path) as db:
        return [
            db.execute("SELECT COUNT(*) FROM tasks").fetchone(),
            db.execute("SELECT id, status FROM documents ORDER BY id").fetchall(),
            db.execute("SELECT id, status, comments_mode FROM posts").fetchall(),
            db.execute("SELECT COUNT(*) FROM comments").fetchone(),
            db.execute("SELECT COUNT(*) FROM annotations").fetchone(),
            db.execute("SELECT COUNT(*) FROM teacher_comments").fetchone(),
            db.execute("SELECT marking FROM tasks ORDER BY id").fetchall(),
            db.execute("SELECT COUNT(*) FROM accepted_variants").fetchone(),
            db.execute("SELECT COUNT(*) FROM correction_overrides").fetchone(),
            db.execute("SELECT blog_moderated, comments_mode, comments_closed, feed_key FROM classes").fetchall(),
            db.execute("SELECT COUNT(*) FROM class_pupils").fetchone(),
            db.execute("SELECT COUNT(*) FROM pairs").fetchone(),
        ]


# -- who else: no access, no hint ---------------------------------------------------------------


async def _teacher_of_another_school(settings: Settings, school: DemoSchool) -> None:
    store = await Store.open(settings.database_path)
    try:
        hugo = await store.accounts.ensure_user("m.hugo", "M. Hugo", Role.TEACHER)
        await store.schools.add_teacher(school.other_school_class_id, hugo.id)
        await store.accounts.set_password_hash(hugo.id, hash_password(password_hasher(settings), OTHER_PASSWORD))
    finally:
        await store.close()


@pytest.mark.parametrize("login", ["m.hugo", "m.blanc"])
def test_other_teachers_still_get_nothing_of_an_archived_class(
    settings: Settings, school: DemoSchool, archived: int, login: str
) -> None:
    run_async(_teacher_of_another_school, settings, school)
    with browser(settings) as other:
        assert sign_in_adult(other, login, OTHER_PASSWORD)[0] == 303
        for name, path in reads(school, archived).items():
            refused = other.get(path, headers={"accept": "text/html"})
            assert refused.status_code == 403, name
            assert "archivée" not in refused.text  # no hint that the class exists
        csrf = csrf_from(other.get("/").text)
        for name, (path, data) in writes(school, archived).items():
            assert other.post(path, data={"csrf": csrf, **data}).status_code == 403, name


# -- carrying pupils into this year's class ----------------------------------------------------


async def _next_year_class(settings: Settings, school: DemoSchool) -> tuple[int, str]:
    """This year's class of Mme Durand (the demo class's teacher) after the roll-over."""
    store = await Store.open(settings.database_path)
    try:
        this_year = await store.schools.get_class(school.class_id)
        assert this_year is not None
        klass = await store.schools.ensure_class(this_year.school_id, "CM2 Durand", "CM2", NEXT_YEAR)
        durand = await store.accounts.get_user_by_login("mme.durand")
        assert durand is not None
        await store.schools.add_teacher(klass.id, durand.id)
        return klass.id, klass.code
    finally:
        await store.close()


def carry(as_who: AsWho, school: DemoSchool, new_class: int, *pupils: int) -> TestClient:
    teacher = as_who("teacher")
    page = teacher.get(f"/enseignant/classe/{new_class}/reprendre")
    assert page.status_code == 200
    assert f'name="pupil" value="{school.lea_id}"\n        checked' in page.text  # ticked by default
    data = {"csrf": csrf_from(page.text), "from": str(school.class_id), "pupil": [str(p) for p in pupils]}
    done = teacher.post(f"/enseignant/classe/{new_class}/reprendre", data=data)
    assert done.status_code == 303
    assert "repris" in teacher.get(done.headers["location"]).text
    return teacher


def test_pupils_carried_into_this_years_class_keep_their_login_and_pictures(
    as_who: AsWho, settings: Settings, school: DemoSchool, archived: int
) -> None:
    new_class, code = run_async(_next_year_class, settings, school)
    teacher = carry(as_who, school, new_class, school.lea_id, school.noe_id)
    roster = teacher.get(f"/enseignant/classe/{new_class}").text
    assert "lea.martin" in roster and "noe.bernard" in roster
    with browser(settings) as tablet:
        names = tablet.get(f"/classe/{code}")
        assert names.status_code == 200 and "Léa" in names.text
        url = f"/classe/{code}/{school.lea_id}"
        page = tablet.get(url)
        pictures = ",".join(str(n) for n in school.lea_pictures)  # the pictures of last year
        assert tablet.post(url, data={"csrf": csrf_from(page.text), "pictures": pictures}).status_code == 303
        home = tablet.get("/")
        assert home.status_code == 200
        assert "Tu écris avec" not in home.text  # last year's partner is not this year's (no pair yet)
        # Last year's class: its blog and texts are not hers to change any more.
        assert tablet.get(f"/ecrire/{school.lea_doc}/etat").status_code in (403, 404)
    lea = with_store(settings, lambda store: store.accounts.get_user(school.lea_id))
    assert lea is not None and lea.login == "lea.martin"
    classes = with_store(settings, lambda store: store.schools.classes_of_pupil(school.lea_id))
    assert sorted(c.id for c in classes) == sorted([school.class_id, new_class])  # both years, one account


def test_a_pupil_already_in_a_class_this_year_is_not_carried_twice(
    as_who: AsWho, settings: Settings, school: DemoSchool, archived: int
) -> None:
    new_class, _ = run_async(_next_year_class, settings, school)
    teacher = carry(as_who, school, new_class, school.lea_id)
    page = teacher.get(f"/enseignant/classe/{new_class}/reprendre").text
    assert f'value="{school.lea_id}"\n        disabled' in page and "déjà en CM2 Durand" in page


def test_a_teacher_cannot_carry_pupils_of_a_class_they_may_not_read(
    settings: Settings, school: DemoSchool, archived: int
) -> None:
    run_async(_teacher_of_another_school, settings, school)
    with browser(settings) as other:
        assert sign_in_adult(other, "m.hugo", OTHER_PASSWORD)[0] == 303
        page = other.get(f"/enseignant/classe/{school.other_school_class_id}/reprendre")
        assert page.status_code == 200 and "Léa" not in page.text
        data = {"csrf": csrf_from(page.text), "from": str(school.class_id), "pupil": [str(school.lea_id)]}
        assert other.post(f"/enseignant/classe/{school.other_school_class_id}/reprendre", data=data).status_code == 404
    assert len(with_store(settings, lambda store: store.schools.classes_of_pupil(school.lea_id))) == 1


def sign_in_with_code(settings: Settings, code: str, pupil_id: int, pictures: tuple[int, ...]) -> Pupil:
    """A pupil signed in with a class's code and their pictures (as on the tablet)."""
    with browser(settings) as tablet:
        url = f"/classe/{code}/{pupil_id}"
        form = {"csrf": csrf_from(tablet.get(url).text), "pictures": ",".join(str(n) for n in pictures)}
        assert tablet.post(url, data=form).status_code == 303
        return Pupil(str(tablet.cookies["binome_session"]), csrf_from(tablet.get("/").text))


@pytest.mark.anyio
async def test_a_carried_pupil_cannot_write_last_years_texts(
    server: ServerThread, as_who: AsWho, settings: Settings, school: DemoSchool, archived: int
) -> None:
    new_class, code = run_async(_next_year_class, settings, school)
    carry(as_who, school, new_class, school.lea_id)
    lea = sign_in_with_code(settings, code, school.lea_id, school.lea_pictures)
    pair_id = with_store(settings, lambda store: store.documents.pair_of(school.lea_doc))
    assert pair_id is not None
    docs = with_store(settings, lambda store: store.documents.ids_for_pair(pair_id))
    assert len(docs) == 2  # the published dictation and the portrait still open
    for doc in docs:
        socket = await join_closed(server, doc, lea)
        assert await socket.wait_closed() == 4403, doc
    for doc in docs:
        refused = await post_form(server, lea, f"/ecrire/{doc}/accord")
        assert refused.status_code in (403, 404)
    assert not stored_text_has(settings, docs[1], "carried")


@pytest.mark.anyio
async def test_pupils_carried_by_many_requests_at_once_are_in_the_new_class_once(
    server: ServerThread, settings: Settings, school: DemoSchool, archived: int
) -> None:
    new_class, _ = await _next_year_class(settings, school)
    teacher = signed_in(settings, school, "teacher")
    url = f"/enseignant/classe/{new_class}/reprendre"
    data = {"csrf": teacher.csrf, "from": str(school.class_id), "pupil": [str(school.lea_id), str(school.noe_id)]}
    async with httpx.AsyncClient(
        base_url=server.http_url, cookies={"binome_session": teacher.cookie}, timeout=30
    ) as http:
        answers = await asyncio.gather(*(http.post(url, data=data) for _ in range(30)))
    assert {a.status_code for a in answers} == {303}
    pupils = with_store(settings, lambda store: store.schools.list_pupils(new_class))
    rows = list(Counter(pupil.id for pupil in pupils).items())
    assert sorted(rows) == sorted([(school.lea_id, 1), (school.noe_id, 1)])
