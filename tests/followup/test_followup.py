"""The teacher's follow-up through HTTP: the corrected texts of a task, overrides, annotations,
comments, marking schemes, accepted spellings, the pupils' own correction and second drafts."""

from __future__ import annotations

import re

import pytest
from pycrdt import Doc, Text
from starlette.testclient import TestClient

from collab.accounts.passwords import password_hasher
from collab.demo.followup import Typist
from collab.demo.seeding import seed_demo
from collab.mediatheque.files import MediaLibrary
from collab.realtime.crdt import TEXT_NAME, build_doc, stored_text
from collab.settings import Settings
from collab.store import Store
from tests.support.data import with_store
from tests.support.followup_data import LEA_DICTATION, write_and_agree
from tests.support.web import ADULTS, AsWho, DemoSchool, browser, csrf_from, sign_in_adult

HTML = {"accept": "text/html"}


def text_page(client: TestClient, doc: str) -> str:
    response = client.get(f"/enseignant/texte/{doc}", headers=HTML)
    assert response.status_code == 200, response.text[:300]
    return response.text


def post(client: TestClient, url: str, page: str, data: dict[str, str]) -> int:
    return client.post(url, data={"csrf": csrf_from(page), **data}).status_code


def spans(html: str) -> list[tuple[int, int, str]]:
    """The error rows of the teacher's text page: (start, end, what was written)."""
    rows = re.findall(r'name="start" value="(\d+)"><input type="hidden" name="end" value="(\d+)"', html)
    return [(int(s), int(e), LEA_DICTATION[int(s) : int(e)]) for s, e in rows]


def test_the_task_shows_every_pair_with_its_correction(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    write_and_agree(settings, school)
    tasks = teacher.get(f"/enseignant/classe/{school.class_id}/taches", headers=HTML).text
    assert f"/enseignant/tache/{school.dictation_task_id}/suivi" in tasks
    page = teacher.get(f"/enseignant/tache/{school.dictation_task_id}/suivi", headers=HTML)
    assert page.status_code == 200
    assert page.text.count('class="card production"') == 12
    assert "accord" in page.text and "homophone" in page.text  # "arrive", "a"
    assert 'title="accord' in page.text  # each mark says its category in words
    assert ">publié<" in page.text and ">en cours<" in page.text  # the states' one vocabulary


@pytest.mark.parametrize("who", ["other teacher", "lea", "parent", "admin"])
def test_only_the_class_teacher_follows_up(settings: Settings, school: DemoSchool, as_who: AsWho, who: str) -> None:
    write_and_agree(settings, school)
    client = as_who(who)
    assert client.get(f"/enseignant/tache/{school.dictation_task_id}/suivi", headers=HTML).status_code == 403
    assert client.get(f"/enseignant/texte/{school.lea_doc}", headers=HTML).status_code == 403
    assert client.get(f"/enseignant/tache/{school.dictation_task_id}/notes.csv").status_code == 403


def test_forged_ids_are_not_found(teacher: TestClient) -> None:
    for url in ("/enseignant/tache/999/suivi", "/enseignant/tache/abc/suivi", "/enseignant/texte/nope"):
        assert teacher.get(url, headers=HTML).status_code == 404, url
    assert teacher.get("/enseignant/texte/" + "x" * 500, headers=HTML).status_code == 404


def test_the_teacher_overrides_a_category_or_accepts_a_difference(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    write_and_agree(settings, school)
    page = text_page(teacher, school.lea_doc)
    found = {written: (start, end) for start, end, written in spans(page)}
    assert {"arrive", "a"} <= set(found)
    start, end = found["a"]
    url = f"/enseignant/texte/{school.lea_doc}/correction"
    assert post(teacher, url, page, {"start": str(start), "end": str(end), "category": "accent"}) == 303
    page = text_page(teacher, school.lea_doc)
    assert "modifié" in page and "Accent : <strong>1</strong>" in page
    assert post(teacher, url, page, {"start": str(start), "end": str(end), "category": "ok"}) == 303
    page = text_page(teacher, school.lea_doc)
    assert "Accent : <strong>1</strong>" not in page and "Homophone : <strong>1</strong>" not in page
    assert post(teacher, url, page, {"start": str(start), "end": str(end), "category": "auto"}) == 303
    assert "Homophone : <strong>1</strong>" in text_page(teacher, school.lea_doc)
    # bad input: nothing found there, an unknown category, offsets outside the text, no CSRF
    assert post(teacher, url, page, {"start": "0", "end": "2", "category": "ok"}) == 400
    assert post(teacher, url, page, {"start": str(start), "end": str(end), "category": "nimporte"}) == 400
    assert post(teacher, url, page, {"start": "-4", "end": "99999", "category": "ok"}) == 400
    assert post(teacher, url, page, {"start": "a", "end": "b", "category": "ok"}) == 400
    assert teacher.post(url, data={"start": str(start), "end": str(end), "category": "ok"}).status_code == 403


def test_annotations_and_the_teacher_comment(settings: Settings, school: DemoSchool, teacher: TestClient) -> None:
    write_and_agree(settings, school)
    page = text_page(teacher, school.lea_doc)
    at = LEA_DICTATION.index("les plus belles pommes")
    url = f"/enseignant/texte/{school.lea_doc}/annotations"
    data = {"start": str(at), "end": str(at + 22), "kind": "accord_gn", "note": "Bravo <b>!</b>"}
    assert post(teacher, url, page, data) == 303
    page = text_page(teacher, school.lea_doc)
    assert "« les plus belles pommes »" in page and "Bravo &lt;b&gt;!&lt;/b&gt;" in page
    assert 'class="mark noted"' in page or "noted" in page
    for bad in (
        {**data, "kind": "grammaire"},
        {**data, "start": str(at), "end": str(at)},
        {**data, "end": "100000"},
    ):
        assert post(teacher, url, page, bad) == 400
    [removal] = re.findall(r'action="([^"]+/retirer)"', page)
    assert post(teacher, removal, page, {}) == 303
    assert "« les plus belles pommes »" not in text_page(teacher, school.lea_doc)
    assert post(teacher, removal, page, {}) == 404
    comment = f"/enseignant/texte/{school.lea_doc}/commentaire"
    assert post(teacher, comment, page, {"body": "Relisez les accords."}) == 303
    assert "Relisez les accords." in text_page(teacher, school.lea_doc)
    assert post(teacher, comment, page, {"body": "x" * 2001}) == 400


def test_marking_schemes_and_accepted_spellings(settings: Settings, school: DemoSchool, teacher: TestClient) -> None:
    write_and_agree(settings, school)
    follow = f"/enseignant/tache/{school.dictation_task_id}/suivi"
    page = teacher.get(follow, headers=HTML).text
    assert "/ 10" not in page
    marking = f"/enseignant/tache/{school.dictation_task_id}/bareme"
    assert post(teacher, marking, page, {"marking": "classic"}) == 303
    page = teacher.get(follow, headers=HTML).text
    assert re.search(r"3 fautes —\s+note <strong>7 / 10</strong>", page), "3 faults: 7 / 10"
    assert post(teacher, marking, page, {"marking": "secret"}) == 400
    variants = f"/enseignant/tache/{school.dictation_task_id}/variantes"
    assert post(teacher, variants, page, {"expected": "légumes", "got": "légummes", "action": "accept"}) == 303
    page = teacher.get(follow, headers=HTML).text
    assert "« légummes » pour « légumes »" in page
    assert re.search(r"2 fautes —\s+note <strong>8 / 10</strong>", page)
    assert post(teacher, variants, page, {"expected": "", "got": "x", "action": "accept"}) == 400
    assert post(teacher, variants, page, {"expected": "légumes", "got": "légummes", "action": "refuse"}) == 303
    assert "« légummes » pour « légumes »" not in teacher.get(follow, headers=HTML).text


def test_the_pupils_see_the_reference_only_once_published(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    lea = as_who("lea")
    url = f"/texte/{school.lea_doc}/correction"
    room = lea.get(f"/ecrire/{school.lea_doc}", headers=HTML)
    assert "poissons brillants posés sur la glace" not in room.text  # the reference never shows while writing
    assert lea.get(url, headers=HTML).status_code == 403
    write_and_agree(settings, school, moderated=True)  # waiting for the teacher: still hidden
    assert lea.get(url, headers=HTML).status_code == 403
    assert "Voir la correction" not in lea.get("/", headers=HTML).text
    with_store(settings, _approve_all(school))
    assert f'href="http://127.0.0.1{url}">Voir la correction' in lea.get("/", headers=HTML).text
    page = lea.get(url, headers=HTML)
    assert page.status_code == 200
    assert "Le texte de la dictée" in page.text and "« arrive » → « arrivent »" in page.text
    other_pair = as_who("noe")  # Noé is Léa's partner: allowed
    assert other_pair.get(url, headers=HTML).status_code == 200
    parent = as_who("parent")
    assert parent.get(url, headers=HTML).status_code == 403


def _approve_all(school: DemoSchool):  # type: ignore[no-untyped-def]
    async def work(store: Store) -> None:
        for post in await store.blog.posts_of_class(school.class_id, with_submitted=True):
            await store.blog.approve(post.id)

    return work


def test_a_second_draft_starts_from_the_published_crdt_state(
    settings: Settings, school: DemoSchool, as_who: AsWho
) -> None:
    lea = as_who("lea")
    url = f"/texte/{school.lea_doc}/jet-suivant"
    home = lea.get("/", headers=HTML).text
    assert post(lea, url, home, {}) == 403  # not published yet
    write_and_agree(settings, school)
    response = lea.post(url, data={"csrf": csrf_from(home)})
    assert response.status_code == 303
    second = response.headers["location"].rsplit("/", 1)[1]
    assert second == school.lea_doc + "-j2"
    assert post(lea, url, home, {}) == 303  # asking again: the same document

    async def check(store: Store) -> None:
        lineage = await store.documents.lineage(second)
        assert (lineage.parent_id, lineage.draft) == (school.lea_doc, 2)
        assert (await store.documents.lineage(school.lea_doc)).child_id == second
        assert stored_text(await store.documents.load(second)) == LEA_DICTATION
        [seed] = await store.documents.read_log(second)
        assert seed.author_id is None
        # The first draft's CRDT state is inside the second: a tablet still holding the first
        # draft merges into the second without duplicating a word.
        first = build_doc(await store.documents.load(school.lea_doc))
        merged = build_doc(await store.documents.load(second))
        merged.apply_update(first.get_update())
        assert str(merged.get(TEXT_NAME, type=Text)) == LEA_DICTATION
        assert (await store.documents.get_document(second)) is not None
        assert await store.tasks.task_of_document(second) == school.dictation_task_id

    with_store(settings, check)
    assert "deuxième jet" in lea.get("/", headers=HTML).text
    assert lea.get(f"/ecrire/{second}", headers=HTML).status_code == 200
    stranger = as_who("other teacher")
    assert post(stranger, url, stranger.get("/", headers=HTML).text, {}) == 403


def test_the_teacher_sends_a_text_back_for_a_second_draft(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    write_and_agree(settings, school)
    page = text_page(teacher, school.lea_doc)
    assert "Renvoyer pour un deuxième jet" in page
    response = teacher.post(f"/texte/{school.lea_doc}/jet-suivant", data={"csrf": csrf_from(page)})
    assert response.status_code == 303 and f"/enseignant/texte/{school.lea_doc}-j2" in response.headers["location"]
    follow = teacher.get(f"/enseignant/tache/{school.dictation_task_id}/suivi", headers=HTML).text
    assert follow.count('class="card production"') == 13 and "deuxième jet" in follow
    assert "Renvoyer pour un" not in text_page(teacher, school.lea_doc)  # once


def test_exports(settings: Settings, school: DemoSchool, teacher: TestClient) -> None:
    write_and_agree(settings, school)
    task = school.dictation_task_id
    csv = teacher.get(f"/enseignant/tache/{task}/notes.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("binôme;élèves;jet;état;mots;ponctuation") and len(lines) == 13
    lea_row = next(line for line in lines[1:] if "Léa" in line).split(";")
    header = lines[0].split(";")
    assert lea_row[header.index("accord")] == "1" and lea_row[header.index("homophone")] == "1"
    pdf = teacher.get(f"/enseignant/tache/{task}/export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    printable = teacher.get(f"/enseignant/tache/{task}/export", headers=HTML)
    assert printable.status_code == 200 and "Le texte de la dictée" in printable.text
    profile = teacher.get(f"/enseignant/tache/{task}/profil", headers=HTML)
    assert profile.status_code == 200 and "<svg" in profile.text and "accord" in profile.text


def test_a_free_writing_has_no_correction_but_takes_annotations(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    async def portrait_doc(store: Store) -> str:
        [free] = [t for t in await store.tasks.list_for_class(school.class_id) if t.kind == "free"]
        pair_id = await store.documents.pair_of(school.lea_doc)
        return next(d.doc_id for d in await store.tasks.documents(free.id) if d.pair_id == pair_id)

    doc = with_store(settings, portrait_doc)
    text = "Noé est grand. Il a les yeux marron et il rit tout le temps."
    write_and_agree(settings, school, text, doc=doc)
    page = text_page(teacher, doc)
    assert "Les erreurs trouvées" not in page and "Le texte de la dictée" not in page
    at = text.index("rit")
    url = f"/enseignant/texte/{doc}/annotations"
    assert post(teacher, url, page, {"start": str(at), "end": str(at + 3), "kind": "autre", "note": "Joli !"}) == 303
    assert "« rit »" in text_page(teacher, doc)


def test_the_demo_class_after_the_lesson(settings: Settings) -> None:
    """What `make run` shows: published dictations with their corrections, one waiting, and a
    portrait in two drafts, annotated, side by side on the blog."""

    async def seed(store: Store) -> tuple[int, list[int]]:
        library = MediaLibrary(settings.media_dir, settings.max_media_bytes)
        await seed_demo(store, library, password_hasher(settings), after_lesson=True)
        await seed_demo(store, library, password_hasher(settings), after_lesson=True)  # twice: nothing more
        lea = await store.accounts.get_user_by_login("lea.martin")
        assert lea is not None
        [klass] = await store.schools.classes_of_pupil(lea.id)
        return klass.id, [t.id for t in await store.tasks.list_for_class(klass.id)]

    class_id, task_ids = with_store(settings, seed)
    with browser(settings) as teacher:
        assert sign_in_adult(teacher, *ADULTS["teacher"])[0] == 303
        for task_id in task_ids:
            page = teacher.get(f"/enseignant/tache/{task_id}/suivi", headers=HTML)
            assert page.status_code == 200
        pages = [teacher.get(f"/enseignant/tache/{t}/suivi", headers=HTML).text for t in task_ids]
        assert sum(p.count(">publié<") for p in pages) == 5 and sum(p.count(">envoyé (à valider)<") for p in pages) == 1
        assert any("deuxième jet" in p and "cheveux noirs" in p for p in pages)
        blog = teacher.get(f"/blog/classe/{class_id}", headers=HTML).text
        assert blog.count("Mon portrait physique et moral") >= 2
    with_store(settings, _demo_lineage)


async def _demo_lineage(store: Store) -> None:
    lea = await store.accounts.get_user_by_login("lea.martin")
    assert lea is not None
    [klass] = await store.schools.classes_of_pupil(lea.id)
    posts = await store.blog.posts_of_class(klass.id, with_submitted=True)
    second = [p for p in posts if p.doc_id.endswith("-j2")]
    assert len(second) == 1 and "Emma est joyeuse et généreuse" in second[0].body
    lineage = await store.documents.lineage(second[0].doc_id)
    first = await store.blog.post_of_document(lineage.parent_id or "")
    assert first is not None and "cheveux noir et" in first.body and "cheveux noirs" in second[0].body
    for post in posts:  # every post is its document's text: typed into real CRDT documents
        assert stored_text(await store.documents.load(post.doc_id)) == post.body


def test_a_text_not_written_yet_is_not_corrected(settings: Settings, school: DemoSchool, teacher: TestClient) -> None:
    csv = teacher.get(f"/enseignant/tache/{school.dictation_task_id}/notes.csv").text.lstrip("\ufeff")
    _, *rows = csv.splitlines()
    assert len(rows) == 12
    for row in rows:  # no text yet: no count, no fault, no mark (not 78 "forgotten words")
        cells = row.split(";")
        assert cells[3] == "en cours" and cells[4] == "0" and set(cells[5:]) == {""}, row


def test_the_second_draft_shows_what_the_teacher_wrote_on_the_first(
    settings: Settings, school: DemoSchool, as_who: AsWho, teacher: TestClient
) -> None:
    write_and_agree(settings, school)
    page = text_page(teacher, school.lea_doc)
    at = LEA_DICTATION.index("arrive")
    annotate = f"/enseignant/texte/{school.lea_doc}/annotations"
    data = {"start": str(at), "end": str(at + 6), "kind": "accord_verbe", "note": "Qui arrive ?"}
    assert post(teacher, annotate, page, data) == 303
    assert post(teacher, f"/enseignant/texte/{school.lea_doc}/commentaire", page, {"body": "Relisez-vous."}) == 303
    assert teacher.post(f"/texte/{school.lea_doc}/jet-suivant", data={"csrf": csrf_from(page)}).status_code == 303
    lea = as_who("lea")
    room = lea.get(f"/ecrire/{school.lea_doc}-j2", headers=HTML).text
    assert "Ce que la maîtresse ou le maître a écrit sur le premier jet" in room
    assert "Relisez-vous." in room and "« arrive »</strong> : accord du verbe — Qui arrive ?" in room
    assert f"/texte/{school.lea_doc}/correction" in room
    first = lea.get(f"/ecrire/{school.lea_doc}", headers=HTML).text
    assert "Ce que la maîtresse" not in first


def test_no_second_draft_while_the_teacher_has_not_published(
    settings: Settings, school: DemoSchool, as_who: AsWho, teacher: TestClient
) -> None:
    write_and_agree(settings, school, moderated=True)  # agreed, waiting for the teacher
    lea = as_who("lea")
    home = lea.get("/", headers=HTML).text
    refused = lea.post(f"/texte/{school.lea_doc}/jet-suivant", data={"csrf": csrf_from(home)}, headers=HTML)
    assert refused.status_code == 400 and "publié sur le blog" in refused.text
    page = text_page(teacher, school.lea_doc)
    assert "Renvoyer pour un" not in page
    # the correction of a text still in the teacher's hands can be set; one being written cannot
    start, end, _ = spans(page)[0]
    url = f"/enseignant/texte/{school.lea_doc}/correction"
    assert post(teacher, url, page, {"start": str(start), "end": str(end), "category": "ok"}) == 303


def test_the_correction_of_a_text_being_written_is_provisional(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    async def typed(store: Store) -> None:
        lea = await store.accounts.get_user(school.lea_id)
        assert lea is not None
        typist = Typist(Doc(), [lea], 1_700_000_000.0)
        typist.type("Les marchands arrive très tôt.", 0)
        await store.documents.append_updates(school.lea_doc, typist.updates)

    with_store(settings, typed)
    page = text_page(teacher, school.lea_doc)
    assert "cette correction est provisoire" in page and 'action="http://127.0.0.1/enseignant/texte/' in page
    url = f"/enseignant/texte/{school.lea_doc}/correction"
    at = "Les marchands arrive très tôt.".index("arrive")
    data = {"csrf": csrf_from(page), "start": str(at), "end": str(at + 6), "category": "ok"}
    refused = teacher.post(url, data=data, headers=HTML)
    assert refused.status_code == 400 and "le binôme écrit encore ce texte" in refused.text.lower()


def test_notices_come_from_codes_not_from_the_address(
    settings: Settings, school: DemoSchool, teacher: TestClient
) -> None:
    url = f"/enseignant/tache/{school.dictation_task_id}/suivi"
    assert "Votre compte est piraté" not in teacher.get(url + "?ok=Votre compte est piraté", headers=HTML).text
    assert "barème enregistré" in teacher.get(url + "?ok=bareme", headers=HTML).text


def test_ids_too_large_for_the_database_are_not_found(teacher: TestClient) -> None:
    huge = "9" * 30
    for url in (f"/enseignant/tache/{huge}/suivi", f"/enseignant/tache/{huge}/export.pdf", f"/blog/billet/{huge}"):
        assert teacher.get(url, headers=HTML).status_code == 404, url
