"""What the pages say, in French: wrong pictures, « Se déconnecter partout », real plurals, lists
of names, « vous » for adults, archived classes' cards and QR codes."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from collab.accounts.sign_in import PICTURES
from collab.demo.seeding import DEMO_SCHOOL_YEAR
from collab.settings import Settings
from tests.support.data import class_school, with_store
from tests.support.web import AsWho, DemoSchool, csrf_from, sign_in_adult

HTML = {"accept": "text/html"}


def test_wrong_pictures_say_they_are_not_the_right_pictures(client: TestClient, school: DemoSchool) -> None:
    url = f"/classe/{school.code}/{school.lea_id}"
    wrong = [p.number for p in PICTURES if p.number not in school.lea_pictures][:3]
    page = client.get(url)
    answer = client.post(url, data={"csrf": csrf_from(page.text), "pictures": ",".join(map(str, wrong))})
    assert answer.status_code == 401
    assert "Ce ne sont pas les bonnes images. Essaie encore." in answer.text
    assert "pas le bon mot de passe" not in answer.text  # a pupil has pictures, not a password


def test_a_wrong_password_addresses_the_adult_with_vous(client: TestClient) -> None:
    status, text = sign_in_adult(client, "mme.durand", "pas-le-bon")
    assert status == 401
    assert "Vérifiez-les, puis réessayez." in text and "Essaie" not in text


def test_signing_out_everywhere_says_so(as_who: AsWho) -> None:
    home = as_who("teacher").get("/").text
    assert ">Se déconnecter partout</button>" in home


def _lock(teacher: TestClient, school: DemoSchool, path: str) -> str:
    tasks = f"/enseignant/classe/{school.class_id}/taches"
    answer = teacher.post(path, data={"csrf": csrf_from(teacher.get(tasks).text), "action": "lock"})
    assert answer.status_code == 303
    page = teacher.get(answer.headers["location"])
    notice = re.search(r'<p class="notice" role="status">([^<]*)</p>', page.text)
    assert notice is not None
    return notice.group(1)


def test_one_text_and_several_texts(as_who: AsWho, school: DemoSchool, settings: Settings) -> None:
    teacher = as_who("teacher")
    task = school.dictation_task_id
    assert (
        _lock(teacher, school, f"/enseignant/tache/{task}/document/{school.lea_doc}/verrou") == "1 texte mis en pause"
    )
    documents = len([d for d in with_store(settings, lambda store: store.tasks.documents(task)) if d.draft == 1])
    assert documents > 2
    # Léa and Noé's text was already paused: the notice counts only the texts it changed
    assert _lock(teacher, school, f"/enseignant/tache/{task}/verrou") == f"{documents - 1} textes mis en pause"
    pages = (f"/enseignant/tache/{task}/suivi", f"/enseignant/tache/{task}/profil", f"/blog/classe/{school.class_id}")
    for page in pages:
        shown = teacher.get(page)
        assert shown.status_code == 200, page
        assert not re.search(r"\(s\)|\b1 (texte|commentaire|annotation|faute)s\b|\bles 1\b", shown.text), page


def test_a_trio_is_named_as_a_list(as_who: AsWho, school: DemoSchool) -> None:
    teacher = as_who("other teacher")  # the CE2 Blanc: Tom alone
    roster = f"/enseignant/classe/{school.other_class_id}"
    csrf = csrf_from(teacher.get(roster).text)
    added = teacher.post(f"{roster}/eleves", data={"csrf": csrf, "names": "Mila\nRaphaël"})
    assert added.status_code == 303
    pairs = teacher.get(f"{roster}/binomes").text
    fields = {name: "1" for name in re.findall(r'name="(group-\d+)"', pairs)}
    assert len(fields) == 3
    arranged = teacher.post(f"{roster}/binomes", data={"csrf": csrf_from(pairs), **fields})
    assert arranged.status_code == 303, arranged.text
    assert "Binôme 1 : Mila, Raphaël et Tom" in teacher.get(f"{roster}/binomes").text


def test_an_archived_class_says_so_on_its_sheet_and_behind_its_qr_code(
    as_who: AsWho, client: TestClient, school: DemoSchool, settings: Settings
) -> None:
    teacher = as_who("teacher")
    sheet = f"/enseignant/classe/{school.class_id}/fiches"
    assert 'class="sign-in-card"' in teacher.get(sheet).text
    school_id = class_school(settings, school.class_id)
    with_store(settings, lambda store: store.schools.archive_year(school_id, DEMO_SCHOOL_YEAR))
    archived = teacher.get(sheet)
    assert archived.status_code == 200
    assert "Cette classe est archivée" in archived.text and 'class="sign-in-card"' not in archived.text
    # the QR code of an old card, and its code typed on the sign-in page
    for url in (f"/classe/{school.code}", f"/classe/{school.code}/{school.lea_id}"):
        shown = client.get(url, headers=HTML)
        assert shown.status_code == 410, url
        assert "Cette classe est archivée" in shown.text and "Léa" not in shown.text, url
    typed = client.get("/classe", params={"code": school.code}, headers=HTML)
    assert typed.status_code == 410 and "Cette classe est archivée" in typed.text
