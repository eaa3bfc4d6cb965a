"""The administrator's screens and the RGPD export and erasure, through HTTP."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile

import pytest
from starlette.testclient import TestClient

from collab.demo.seeding import DEMO_PASSWORDS
from collab.settings import Settings
from tests.support.data import school_id, user_count, user_id, with_store, write_text
from tests.support.web import OTHER_PASSWORD, DemoSchool, browser, csrf_from, sign_in_adult


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    assert sign_in_adult(client, "admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"])[0] == 303
    return client


def school_page(client: TestClient, settings: Settings, query: str = "") -> str:
    page = client.get(f"/admin/ecole/{school_id(settings)}", params={"q": query} if query else None)
    assert page.status_code == 200
    return page.text


def test_admin_home_lists_their_school(admin: TestClient) -> None:
    assert "École Jean Macé" in admin.get("/").text


def test_create_a_class_and_a_teacher_who_then_signs_in(admin: TestClient, settings: Settings) -> None:
    csrf = csrf_from(school_page(admin, settings))
    base = f"/admin/ecole/{school_id(settings)}"
    assert (
        admin.post(
            base + "/classes", data={"csrf": csrf, "name": "CE2 Roux", "level": "CE2", "year": "2026-2027"}
        ).status_code
        == 303
    )
    page = school_page(admin, settings)
    class_id = re.search(r'<option value="(\d+)">CE2 Roux</option>', page)
    assert class_id
    created = admin.post(
        base + "/enseignants", data={"csrf": csrf, "login": "m.roux", "name": "M. Roux", "class_id": class_id.group(1)}
    )
    assert created.status_code == 200
    password = re.search(r"mot de passe\s*<strong>([^<]+)</strong>", created.text)
    assert password
    with browser(settings) as laptop:
        assert sign_in_adult(laptop, "m.roux", password.group(1))[0] == 303
        assert "CE2 Roux" in laptop.get("/").text


def test_duplicate_login_is_explained(admin: TestClient, settings: Settings, school: DemoSchool) -> None:
    csrf = csrf_from(school_page(admin, settings))
    response = admin.post(
        f"/admin/ecole/{school_id(settings)}/enseignants",
        data={"csrf": csrf, "login": "mme.durand", "name": "X", "class_id": str(school.class_id)},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 400 and "déjà pris" in response.text


def import_csv(client: TestClient, settings: Settings, class_id: int, data: bytes, name: str = "liste.csv") -> int:
    csrf = csrf_from(school_page(client, settings))
    response = client.post(
        f"/admin/ecole/{school_id(settings)}/import",
        data={"csrf": csrf, "class_id": str(class_id)},
        files={"file": (name, data, "text/csv")},
        headers={"accept": "text/html"},
    )
    return response.status_code


def test_import_a_spreadsheet_class_list(admin: TestClient, settings: Settings, school: DemoSchool) -> None:
    data = "Prénom;Nom\nÉmile;Zola\nAïcha;Benali\n\n".encode("cp1252")
    assert import_csv(admin, settings, school.other_class_id, data) == 303
    names = {
        pupil.display_name for pupil in with_store(settings, lambda s: s.schools.list_pupils(school.other_class_id))
    }
    assert {"Émile Z.", "Aïcha B."} <= names


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "liste.csv"),  # an image with a .csv name
        (b"", "vide.csv"),
        (b"x" * 300_000, "enorme.csv"),
        ("\n".join(f"Élève {i}" for i in range(100)).encode(), "trop.csv"),
    ],
)
def test_bad_class_lists_are_refused_and_nothing_is_added(
    admin: TestClient, settings: Settings, school: DemoSchool, data: bytes, name: str
) -> None:
    before = user_count(settings)
    assert import_csv(admin, settings, school.other_class_id, data, name) in (400, 413)
    assert user_count(settings) == before


def test_import_into_another_schools_class_is_refused(
    admin: TestClient, settings: Settings, school: DemoSchool
) -> None:
    assert import_csv(admin, settings, school.other_school_class_id, b"Jean\n") == 404


def test_roll_over_needs_confirmation_and_archives(admin: TestClient, settings: Settings, school: DemoSchool) -> None:
    csrf = csrf_from(school_page(admin, settings))
    url = f"/admin/ecole/{school_id(settings)}/annee"
    assert admin.post(url, data={"csrf": csrf, "year": "2026-2027"}, headers={"accept": "text/html"}).status_code == 400
    assert admin.post(url, data={"csrf": csrf, "year": "2026-2027", "confirm": "oui"}).status_code == 303
    assert "archivée" in school_page(admin, settings)
    assert admin.get("/classe", params={"code": school.code}).status_code == 410  # pupils can no longer join


def _write_comment(settings: Settings, school: DemoSchool, author_id: int, body: str) -> None:
    """A published post of the other pair, and a comment on it."""
    with sqlite3.connect(settings.database_path) as db:
        post = db.execute(
            "INSERT INTO posts (class_id, doc_id, title, body, state_vector, status, created_at, published_at) "
            "VALUES (?, ?, 'Dictée', 'Texte', x'00', 'published', 0, 0)",
            (school.class_id, school.other_pair_doc),
        ).lastrowid
        db.execute(
            "INSERT INTO comments (post_id, author_id, body, status, created_at) VALUES (?, ?, ?, 'visible', 0)",
            (post, author_id, body),
        )


def test_rgpd_export_contains_the_pupils_texts(admin: TestClient, settings: Settings, school: DemoSchool) -> None:
    write_text(settings, school.lea_doc, school.lea_id, "Les feuilles tombent.")
    _write_comment(settings, school, school.lea_id, "Bravo les amis !")
    page = school_page(admin, settings, "Léa")
    assert f"/admin/eleve/{school.lea_id}" in page
    response = admin.get(f"/admin/eleve/{school.lea_id}/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read(f"textes/{school.lea_doc}.txt").decode() == "Les feuilles tombent."
    account = json.loads(archive.read("compte.json"))
    assert account["identifiant"] == "lea.martin" and account["parents"] == ["Pierre Martin"]
    [text] = [t for t in account["textes"] if t["id"] == school.lea_doc]
    assert text["avec"] == ["Noé"] and text["modifications"] == 1
    assert [c["texte"] for c in account["commentaires"]] == ["Bravo les amis !"]


def _rows_about(settings: Settings, user_id: int, doc_id: str) -> dict[str, int]:
    checks = {
        "users": ("SELECT COUNT(*) FROM users WHERE id = ?", user_id),
        "credentials": ("SELECT COUNT(*) FROM credentials WHERE user_id = ?", user_id),
        "sessions": ("SELECT COUNT(*) FROM sessions WHERE user_id = ?", user_id),
        "api_tokens": ("SELECT COUNT(*) FROM api_tokens WHERE user_id = ?", user_id),
        "class_pupils": ("SELECT COUNT(*) FROM class_pupils WHERE user_id = ?", user_id),
        "pair_members": ("SELECT COUNT(*) FROM pair_members WHERE user_id = ?", user_id),
        "parent_links": ("SELECT COUNT(*) FROM parent_links WHERE pupil_id = ?", user_id),
        "kept_apart": ("SELECT COUNT(*) FROM kept_apart WHERE user_a = ? OR user_b = ?", user_id),
        "doc_updates by author": ("SELECT COUNT(*) FROM doc_updates WHERE author_id = ?", user_id),
        "comments by author": ("SELECT COUNT(*) FROM comments WHERE author_id = ?", user_id),
        "documents": ("SELECT COUNT(*) FROM documents WHERE id = ?", doc_id),
        "doc_updates": ("SELECT COUNT(*) FROM doc_updates WHERE doc_id = ?", doc_id),
        "doc_snapshots": ("SELECT COUNT(*) FROM doc_snapshots WHERE doc_id = ?", doc_id),
    }
    with sqlite3.connect(settings.database_path) as db:
        return {
            table: db.execute(sql, (arg, arg) if sql.count("?") == 2 else (arg,)).fetchone()[0]
            for table, (sql, arg) in checks.items()
        }


def test_rgpd_deletion_needs_confirmation_then_removes_every_row(
    admin: TestClient, settings: Settings, school: DemoSchool
) -> None:
    write_text(settings, school.lea_doc, school.lea_id, "Les feuilles tombent.")
    _write_comment(settings, school, school.lea_id, "Bravo les amis !")
    page = admin.get(f"/admin/eleve/{school.lea_id}")
    assert "Noé" in page.text  # the admin is told the shared texts go too
    url = f"/admin/eleve/{school.lea_id}/supprimer"
    wrong = admin.post(url, data={"csrf": csrf_from(page.text), "confirm": "lea"})
    assert wrong.status_code == 400
    assert _rows_about(settings, school.lea_id, school.lea_doc)["users"] == 1
    done = admin.post(url, data={"csrf": csrf_from(page.text), "confirm": "lea.martin"})
    assert done.status_code == 200 and "Élève supprimé" in done.text
    # The dictation written with Noé stays his (without her name: see tests/test_erasure.py).
    kept = {"documents": 1, "doc_updates": 1}
    rows = _rows_about(settings, school.lea_id, school.lea_doc)
    assert rows == dict.fromkeys(rows, 0) | kept


@pytest.mark.parametrize(
    ("login", "password", "status"),
    [
        ("mme.durand", DEMO_PASSWORDS["mme.durand"], 403),
        ("admin.hugo", OTHER_PASSWORD, 403),
        ("p.martin", DEMO_PASSWORDS["p.martin"], 403),
    ],
)
def test_only_the_schools_admin_manages_it(
    client: TestClient, settings: Settings, school: DemoSchool, login: str, password: str, status: int
) -> None:
    assert sign_in_adult(client, login, password)[0] == 303
    assert client.get(f"/admin/ecole/{school_id(settings)}").status_code == status
    assert client.get(f"/admin/eleve/{school.lea_id}").status_code == status
    assert client.get(f"/admin/eleve/{school.lea_id}/export").status_code == status
    csrf = csrf_from(client.get("/").text)
    assert (
        client.post(f"/admin/eleve/{school.lea_id}/supprimer", data={"csrf": csrf, "confirm": "lea.martin"}).status_code
        == status
    )


def test_forged_ids_on_admin_pages(admin: TestClient, settings: Settings) -> None:
    teacher_id = user_id(settings, "mme.durand")
    for path in ["/admin/ecole/999999", "/admin/ecole/abc", "/admin/eleve/999999", f"/admin/eleve/{teacher_id}"]:
        assert admin.get(path).status_code == 404, path


def test_admin_cannot_open_pupils_texts(admin: TestClient) -> None:
    docs = admin.get("/api/docs").json()
    assert docs == []


async def _commune_admin(settings: Settings) -> None:
    from collab.accounts.passwords import hash_password, password_hasher
    from collab.models import Role
    from collab.store import Store

    store = await Store.open(settings.database_path)
    try:
        mayor = await store.accounts.ensure_user("mairie.montpellier", "Mairie de Montpellier", Role.ADMIN)
        commune_id = await store.schools.commune_id("Montpellier")
        await store.schools.add_admin_scope(mayor.id, commune_id=commune_id)
        await store.accounts.set_password_hash(mayor.id, hash_password(password_hasher(settings), OTHER_PASSWORD))
    finally:
        await store.close()


def test_commune_admin_creates_schools_and_school_admins_cannot(
    client: TestClient, settings: Settings, school: DemoSchool
) -> None:
    from tests.support.server import run_async

    run_async(_commune_admin, settings)
    commune_id = with_store(settings, lambda store: store.schools.commune_id("Montpellier"))
    assert sign_in_adult(client, "mairie.montpellier", OTHER_PASSWORD)[0] == 303
    home = client.get("/").text
    assert "Créer une école à Montpellier" in home
    assert "École Victor Hugo" in home and "École Jean Macé" in home  # every school of the commune
    created = client.post(
        f"/admin/commune/{commune_id}/ecoles", data={"csrf": csrf_from(home), "name": "École Jules Ferry"}
    )
    assert created.status_code == 303
    assert "École Jules Ferry" in client.get(created.headers["location"]).text
    with browser(settings) as other:
        assert sign_in_adult(other, "admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"])[0] == 303
        csrf = csrf_from(other.get("/").text)
        assert other.post(f"/admin/commune/{commune_id}/ecoles", data={"csrf": csrf, "name": "X"}).status_code == 403
        assert other.post("/admin/commune/999/ecoles", data={"csrf": csrf, "name": "X"}).status_code == 404
