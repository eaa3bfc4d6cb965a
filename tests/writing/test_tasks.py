"""Writing tasks: one document per (task, pair), groups, windows, locking — through HTTP."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from collab.demo import dictation as demo_dictation
from collab.demo.seeding import DEMO_PASSWORDS
from collab.settings import Settings
from collab.store import Store
from tests.support.audio_samples import tone_wav
from tests.support.data import newest_media, with_store
from tests.support.media import upload
from tests.support.web import OTHER_PASSWORD, DemoSchool, browser, csrf_from, sign_in_adult, sign_in_pupil


def pair_ids(settings: Settings, class_id: int) -> list[int]:
    async def current(store: Store) -> list[int]:
        return [pair.id for pair in await store.pairs.current_pairs(class_id)]

    return with_store(settings, current)


def audio_id(teacher: TestClient, settings: Settings, school: DemoSchool) -> int:
    assert upload(teacher, school.class_id, tone_wav(1.0), "dictee.wav") == 303
    return newest_media(settings, school, school.class_id)


def create_task(teacher: TestClient, school: DemoSchool, fields: dict[str, str]) -> tuple[int, str]:
    page = teacher.get(f"/enseignant/classe/{school.class_id}/taches")
    response = teacher.post(
        f"/enseignant/classe/{school.class_id}/taches",
        data={"csrf": csrf_from(page.text), **fields},
        headers={"accept": "text/html"},
    )
    return response.status_code, response.text


def dictation(settings: Settings, school: DemoSchool, media_id: int, **extra: str) -> dict[str, str]:
    pairs = pair_ids(settings, school.class_id)
    fields = {
        "kind": "dictation",
        "title": "Dictée de l'automne",
        "media-A": str(media_id),
        "reference-A": "Les feuilles tombent.",
        "media-B": str(media_id),
        "reference-B": "Les feuilles rousses tombent doucement.",
        "instructions-B": "Version longue",
    }
    for i, pair in enumerate(pairs):
        fields[f"pair-{pair}"] = "A" if i < 6 else "B"
    return {**fields, **extra}


DEMO_TITLES = (demo_dictation.TITLE, demo_dictation.PORTRAIT_TITLE)


def task_documents(settings: Settings, school: DemoSchool) -> list[tuple[str, int, str]]:
    """The documents of the tasks a test created (not the demo school's own tasks)."""

    async def created(store: Store) -> list[tuple[str, int, str]]:
        rows = []
        for task in await store.tasks.list_for_class(school.class_id):
            if task.title not in DEMO_TITLES:
                labels = {group.id: group.label for group in task.groups}
                rows += [(d.doc_id, d.pair_id, labels[d.group_id]) for d in await store.tasks.documents(task.id)]
        return sorted(rows)

    return with_store(settings, created)


def latest_task(settings: Settings, school: DemoSchool) -> int:
    async def latest(store: Store) -> int:
        return max(task.id for task in await store.tasks.list_for_class(school.class_id))

    return with_store(settings, latest)


def test_each_pair_gets_exactly_its_document(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    media_id = audio_id(teacher, settings, school)
    fields = dictation(settings, school, media_id)
    pairs = pair_ids(settings, school.class_id)
    fields[f"pair-{pairs[-1]}"] = ""  # not this time
    assert create_task(teacher, school, fields)[0] == 303
    documents = task_documents(settings, school)
    assert len(documents) == 11
    assert {pair for _, pair, _ in documents} == set(pairs[:-1])
    assert sorted(label for *_, label in documents) == ["A"] * 6 + ["B"] * 5
    page = teacher.get(f"/enseignant/classe/{school.class_id}/taches").text
    assert page.count(">Mettre en pause</button>") == 11 + 2 * 12  # and the two demo tasks
    with browser(settings) as lea:
        sign_in_pupil(lea, school)
        mine = [d for d in lea.get("/api/docs").json() if d["title"] not in DEMO_TITLES]
        lea_pair = pairs[0]
        assert mine == [
            {"id": f"t{latest_task(settings, school)}-p{lea_pair}", "title": "Dictée de l'automne", "access": "write"}
        ]
    teacher_docs = [d for d in teacher.get("/api/docs").json() if d["title"] not in DEMO_TITLES]
    assert len(teacher_docs) == 11 and {d["access"] for d in teacher_docs} == {"read"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reference-A": ""}, "a besoin d&#39;un enregistrement et du texte de référence"),
        ({"media-A": ""}, "a besoin d&#39;un enregistrement"),
        ({"title": ""}, "Donnez un titre"),
        ({"kind": "poeme"}, "Choisissez une dictée"),
        ({"opens_at": "2026-11-24T10:00", "closes_at": "2026-11-24T09:00"}, "après l&#39;ouverture"),
        ({"opens_at": "demain"}, "La date n&#39;est pas lisible"),
    ],
)
def test_incomplete_tasks_are_explained(
    teacher: TestClient, settings: Settings, school: DemoSchool, change: dict[str, str], message: str
) -> None:
    media_id = audio_id(teacher, settings, school)
    status, text = create_task(teacher, school, dictation(settings, school, media_id, **change))
    assert status == 400 and message in text
    assert task_documents(settings, school) == []


def test_free_writing_needs_no_audio(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    fields = {"kind": "free", "title": "Portrait de mon binôme", "instructions-A": "Décris ton binôme."}
    fields |= {f"pair-{p}": "A" for p in pair_ids(settings, school.class_id)}
    assert create_task(teacher, school, fields)[0] == 303
    assert len(task_documents(settings, school)) == 12


def lock(client: TestClient, school: DemoSchool, path: str, action: str) -> int:
    csrf = csrf_from(client.get("/").text)
    return client.post(path, data={"csrf": csrf, "action": action}).status_code


def writable(settings: Settings, school: DemoSchool) -> list[str]:
    with browser(settings) as lea:
        sign_in_pupil(lea, school)
        docs = lea.get("/api/docs").json()
        return [d["id"] for d in docs if d["access"] == "write" and d["title"] not in DEMO_TITLES]


def test_lock_and_unlock_one_pair_or_all(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    media_id = audio_id(teacher, settings, school)
    create_task(teacher, school, dictation(settings, school, media_id))
    task = latest_task(settings, school)
    lea_doc = f"t{task}-p{pair_ids(settings, school.class_id)[0]}"
    assert writable(settings, school) == [lea_doc]
    assert lock(teacher, school, f"/enseignant/tache/{task}/document/{lea_doc}/verrou", "lock") == 303
    assert writable(settings, school) == []
    assert lock(teacher, school, f"/enseignant/tache/{task}/document/{lea_doc}/verrou", "unlock") == 303
    assert writable(settings, school) == [lea_doc]
    assert lock(teacher, school, f"/enseignant/tache/{task}/verrou", "lock") == 303
    statuses = {d.status for d in with_store(settings, lambda store: store.tasks.documents(task))}
    assert statuses == {"locked"}
    assert lock(teacher, school, f"/enseignant/tache/{task}/verrou", "unlock") == 303
    assert writable(settings, school) == [lea_doc]


def test_writing_window(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    media_id = audio_id(teacher, settings, school)
    later = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 3600))
    create_task(teacher, school, dictation(settings, school, media_id, opens_at=later))
    assert writable(settings, school) == []  # not open yet


def test_media_used_by_a_task_is_kept(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    media_id = audio_id(teacher, settings, school)
    create_task(teacher, school, dictation(settings, school, media_id))
    csrf = csrf_from(teacher.get("/").text)
    response = teacher.post(
        f"/media/{media_id}/supprimer",
        data={"csrf": csrf, "class_id": str(school.class_id)},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 400 and "sert à une tâche" in response.text


def test_others_cannot_create_or_lock(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    assert sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 303
    media_id = audio_id(client, settings, school)
    create_task(client, school, dictation(settings, school, media_id))
    task = latest_task(settings, school)
    with browser(settings) as other:
        assert sign_in_adult(other, "m.blanc", OTHER_PASSWORD)[0] == 303
        assert lock(other, school, f"/enseignant/tache/{task}/verrou", "lock") == 403
        csrf = csrf_from(other.get("/").text)
        response = other.post(f"/enseignant/classe/{school.class_id}/taches", data={"csrf": csrf, "title": "x"})
        assert response.status_code == 403
    with browser(settings) as lea:
        sign_in_pupil(lea, school)
        assert lock(lea, school, f"/enseignant/tache/{task}/verrou", "lock") == 403
    assert lock(client, school, "/enseignant/tache/999/verrou", "lock") == 404
    # a document of another task
    assert lock(client, school, f"/enseignant/tache/{task}/document/{school.lea_doc}/verrou", "lock") == 404


def test_audio_of_another_class_cannot_be_used(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    with browser(settings) as other:
        assert sign_in_adult(other, "m.blanc", OTHER_PASSWORD)[0] == 303
        assert upload(other, school.other_class_id, tone_wav(0.5), "ce2.wav") == 303
    foreign = newest_media(settings, school, school.other_class_id)
    assert sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 303
    status, _ = create_task(client, school, dictation(settings, school, int(foreign)))
    assert status == 404
    assert task_documents(settings, school) == []


def test_deleting_a_pupil_keeps_the_task_documents_written_with_a_partner(
    client: TestClient, settings: Settings, school: DemoSchool
) -> None:
    assert sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 303
    media_id = audio_id(client, settings, school)
    create_task(client, school, dictation(settings, school, media_id))
    with browser(settings) as admin:
        assert sign_in_adult(admin, "admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"])[0] == 303
        page = admin.get(f"/admin/eleve/{school.lea_id}")
        assert "3 textes écrits en binôme" in page.text  # the two demo tasks' texts and this task's
        done = admin.post(
            f"/admin/eleve/{school.lea_id}/supprimer", data={"csrf": csrf_from(page.text), "confirm": "lea.martin"}
        )
        assert done.status_code == 200
    # Léa wrote with Noé: the text stays his (tests/test_erasure.py); only texts written alone go.
    assert len(task_documents(settings, school)) == 12
