"""Erasing one pupil's data (RGPD, issue 13 point 9) keeps the classmates' work: a co-written text
stays with its partner, its authors read « un ancien élève et Noé » everywhere (blog, dashboard,
follow-up, exports, replay), and nothing of the erased pupil's name or account is left; only the
texts the pupil wrote alone go. The export's dates are ISO 8601 in Europe/Paris."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import zipfile

import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.data import WRITTEN_AT, publish_written
from tests.support.web import AsWho, DemoSchool, csrf_from
from tests.support.yclient import update_inserting

SOLO_DOC = "solo-lea"
LEA_TRACES = ("Léa", "lea.martin")


def solo_text(settings: Settings, school: DemoSchool) -> None:
    """A text Léa wrote alone (a pair of one, as the teacher may arrange it)."""
    with sqlite3.connect(settings.database_path) as db:
        pair = db.execute(
            "INSERT INTO pairs (class_id, number, created_at, dissolved_at) VALUES (?, 99, 0, 0)", (school.class_id,)
        ).lastrowid
        db.execute("INSERT INTO pair_members (pair_id, user_id) VALUES (?, ?)", (pair, school.lea_id))
        db.execute(
            "INSERT INTO documents (id, title, status, created_at, class_id, pair_id) "
            "VALUES (?, 'Seule', 'open', 0, ?, ?)",
            (SOLO_DOC, school.class_id, pair),
        )
        db.execute(
            "INSERT INTO doc_updates (doc_id, seq, data, author_id, created_at) VALUES (?, 1, ?, ?, ?)",
            (SOLO_DOC, update_inserting("Mon secret."), school.lea_id, WRITTEN_AT),
        )


@pytest.fixture
def written(settings: Settings, school: DemoSchool) -> int:
    """Léa and Noé's dictation, written by both and published; Léa's own text; the post id."""
    solo_text(settings, school)
    writers = [(school.lea_id, "Le marché du village. "), (school.noe_id, "Il fait beau.")]
    return publish_written(settings, school, school.lea_doc, "Le marché du village. Il fait beau.", writers)


def erase_lea(as_who: AsWho, school: DemoSchool) -> None:
    admin = as_who("admin")
    page = admin.get(f"/admin/eleve/{school.lea_id}")
    assert "à ses camarades" in page.text and "Noé" in page.text  # the admin is told what stays
    done = admin.post(
        f"/admin/eleve/{school.lea_id}/supprimer", data={"csrf": csrf_from(page.text), "confirm": "lea.martin"}
    )
    assert done.status_code == 200 and "Élève supprimé" in done.text


def pages(school: DemoSchool, post: int) -> dict[str, str]:
    task, doc = school.dictation_task_id, school.lea_doc
    return {
        "blog": f"/blog/classe/{school.class_id}",
        "post": f"/blog/billet/{post}",
        "tasks": f"/enseignant/classe/{school.class_id}/taches",
        "follow-up": f"/enseignant/tache/{task}/suivi",
        "print": f"/enseignant/tache/{task}/export",
        "csv": f"/enseignant/tache/{task}/notes.csv",
        "text": f"/enseignant/texte/{doc}",
        "replay": f"/enseignant/document/{doc}/replay",
        "replay data": f"/enseignant/document/{doc}/replay.json",
    }


def test_erasing_a_pupil_keeps_the_partners_text_without_her_name(
    as_who: AsWho, settings: Settings, school: DemoSchool, written: int
) -> None:
    erase_lea(as_who, school)
    teacher = as_who("teacher")
    for name, path in pages(school, written).items():
        response = teacher.get(path)
        assert response.status_code == 200, name
        assert not [t for t in LEA_TRACES if t in response.text], name
        if name == "replay":  # the legend: one colour per author
            assert ">un ancien élève</button>" in response.text and ">Noé</button>" in response.text
        elif name != "replay data":
            assert "un ancien élève et Noé" in response.text, name
    replay = teacher.get(pages(school, written)["replay data"]).json()
    assert {m["name"]: m["id"] for m in replay["members"]} == {"un ancien élève": None, "Noé": school.noe_id}
    assert {s["author"] for s in replay["steps"]} == {None, school.noe_id}  # her updates have no author now
    text = "".join(ch for s in replay["steps"] for op in s["ops"] if op[0] == "i" for ch in str(op[1]))
    assert "Le marché du village." in text and "Il fait beau." in text
    rows = list(csv.reader(io.StringIO(teacher.get(pages(school, written)["csv"]).text), delimiter=";"))
    assert any("un ancien élève et Noé" in cell for row in rows for cell in row)
    cookie = {"cookie": f"binome_session={teacher.cookies['binome_session']}"}
    with teacher.websocket_connect(f"/ws/tableau/{school.dictation_task_id}", headers=cookie) as dashboard:
        snapshot = dashboard.receive_json()
    [card] = [c for c in snapshot["pairs"] if c["doc"] == school.lea_doc]
    assert [m["name"] for m in card["members"]] == ["un ancien élève", "Noé"]
    assert not [t for t in LEA_TRACES if t in json.dumps(snapshot, ensure_ascii=False)]


def test_the_partner_keeps_writing_and_reading_their_texts(
    as_who: AsWho, settings: Settings, school: DemoSchool, written: int
) -> None:
    erase_lea(as_who, school)
    noe = as_who("noe")
    home = noe.get("/").text
    assert "un ancien élève" in home and "Léa" not in home
    assert noe.get(f"/blog/billet/{written}").status_code == 200
    parent = as_who("parent")  # Léa's father: his account stays, her class's blog is no more his
    assert parent.get(f"/blog/classe/{school.class_id}").status_code == 403


def test_only_the_texts_she_wrote_alone_are_erased(
    as_who: AsWho, settings: Settings, school: DemoSchool, written: int
) -> None:
    erase_lea(as_who, school)
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM documents WHERE id = ?", (SOLO_DOC,)).fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM doc_updates WHERE doc_id = ?", (SOLO_DOC,)).fetchone() == (0,)
        assert db.execute("SELECT status FROM documents WHERE id = ?", (school.lea_doc,)).fetchone() == ("published",)
        assert db.execute("SELECT COUNT(*) FROM posts WHERE id = ?", (written,)).fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM doc_updates WHERE doc_id = ?", (school.lea_doc,)).fetchone() == (2,)
        for table, column in [("users", "id"), ("pair_members", "user_id"), ("doc_updates", "author_id")]:
            found = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (school.lea_id,)).fetchone()
            assert found == (0,), table
        names = db.execute("SELECT COUNT(*) FROM users WHERE login = 'lea.martin' OR display_name = 'Léa'").fetchone()
        assert names == (0,)


def _export(admin: TestClient, pupil_id: int) -> dict[str, object]:
    response = admin.get(f"/admin/eleve/{pupil_id}/export")
    assert response.status_code == 200
    account: dict[str, object] = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("compte.json"))
    return account


def test_the_partners_export_names_nobody_erased(
    as_who: AsWho, settings: Settings, school: DemoSchool, written: int
) -> None:
    erase_lea(as_who, school)
    account = _export(as_who("admin"), school.noe_id)
    assert not [t for t in LEA_TRACES if t in json.dumps(account, ensure_ascii=False)]
    texts = account["textes"]
    assert isinstance(texts, list)
    assert [t["avec"] for t in texts if t["id"] == school.lea_doc] == [["un ancien élève"]]


ISO_PARIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")


def test_the_export_dates_are_iso_8601_in_paris_time(
    as_who: AsWho, settings: Settings, school: DemoSchool, written: int
) -> None:
    with sqlite3.connect(settings.database_path) as db:
        db.execute(
            "INSERT INTO comments (post_id, author_id, body, status, created_at) VALUES (?, ?, 'Bravo', 'visible', ?)",
            (written, school.lea_id, WRITTEN_AT),
        )
    account = _export(as_who("admin"), school.lea_id)
    assert ISO_PARIS.match(str(account["exporté_le"]))
    texts = account["textes"]
    assert isinstance(texts, list)
    [dictation] = [t for t in texts if t["id"] == school.lea_doc]
    assert dictation["première_modification"] == "2026-11-30T23:05:01+01:00"  # WRITTEN_AT + 1 s, winter time
    assert dictation["dernière_modification"] == "2026-11-30T23:05:01+01:00"
    comments = account["commentaires"]
    assert isinstance(comments, list) and comments[0]["écrit_le"] == "2026-11-30T23:05:00+01:00"
