"""The ``collab`` command line, run as users run it."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from collab.settings import Settings
from tests.support.cli import collab
from tests.support.pairs import Pair
from tests.support.server import ServerThread
from tests.support.yclient import YClient


def test_users_lists_accounts_as_json_lines(settings: Settings, pair: Pair) -> None:
    out = collab("users", data=settings.data_dir)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {"login": "doc-1-a", "role": "pupil", "class": None, "pair": None} in rows
    assert all(set(r) == {"login", "role", "class", "pair"} for r in rows)


@pytest.mark.anyio
async def test_token_opens_the_document(settings: Settings, pair: Pair, server: ServerThread) -> None:
    out = collab("token", "doc-1-a", data=settings.data_dir)
    assert out.returncode == 0, out.stderr
    client = await YClient.connect(server.doc_url(pair.doc, out.stdout.strip()))
    await client.wait_synced()
    await client.close()


@pytest.mark.anyio
async def test_token_days_and_revoke(settings: Settings, pair: Pair, server: ServerThread) -> None:
    out = collab("token", "doc-1-a", "--days", "2", data=settings.data_dir)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert len(out.stdout.splitlines()) == 1 and " " not in token  # just the token
    with sqlite3.connect(settings.database_path) as db:
        created, expires = db.execute("SELECT created_at, expires_at FROM api_tokens ORDER BY rowid DESC").fetchone()
    assert expires - created == pytest.approx(2 * 86400)
    await (await server.open(pair.doc, token)).close()
    revoked = collab("token", "--revoke", "doc-1-a", data=settings.data_dir)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout == "" and "2 jetons révoqués" in revoked.stderr  # the fixture's and this one
    for old in (token, pair.token_a):
        refused = await YClient.connect(server.doc_url(pair.doc, old))
        assert await refused.wait_closed() == 4401
    await (await server.open(pair.doc, pair.token_b)).close()  # another account's token still works
    assert collab("token", "doc-1-a", "--days", "0", data=settings.data_dir).returncode == 2


def test_token_for_unknown_login_fails_clearly(settings: Settings, pair: Pair) -> None:
    out = collab("token", "personne", data=settings.data_dir)
    assert out.returncode == 1
    assert "no account" in out.stderr


@pytest.mark.anyio
async def test_backup_while_serving_holds_the_text(
    settings: Settings, pair: Pair, server: ServerThread, tmp_path: Path
) -> None:
    a = await server.open(pair.doc, pair.token_a)
    await a.append("à sauvegarder")
    await a.wait_for(lambda c: True)
    b = await YClient.connect(server.doc_url(pair.doc, pair.token_b))
    await b.wait_text("à sauvegarder")  # relayed, hence committed
    target = tmp_path / "backup.sqlite3"
    out = collab("backup", str(target), data=settings.data_dir)
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(target) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM doc_updates WHERE doc_id = ?", (pair.doc,)).fetchone()
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert count >= 1
    await a.close()
    await b.close()


def test_backup_without_database_fails_clearly(tmp_path: Path) -> None:
    out = collab("backup", str(tmp_path / "x.sqlite3"), data=tmp_path / "nothing")
    assert out.returncode == 1
    assert "no database" in out.stderr


def test_loadtest_setup_is_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = tmp_path / "first.jsonl"
    second = tmp_path / "second.jsonl"
    assert collab("loadtest-setup", "--pairs", "16", "--out", str(first), data=data).returncode == 0
    assert collab("loadtest-setup", "--pairs", "16", "--out", str(second), data=data).returncode == 0
    rows = [json.loads(line) for line in second.read_text().splitlines()]
    assert len(rows) == 16
    # the contract's fields, and for the dashboard benchmark each class's task and teacher
    assert set(rows[0]) == {"doc", "token_a", "token_b", "token_observer", "task", "token_teacher"}
    assert len({r["doc"] for r in rows}) == 16
    assert len({r["token_observer"] for r in rows}) == 2  # one observer per 15 pairs
    assert len({r["task"] for r in rows}) == len({r["token_teacher"] for r in rows}) == 2  # one per class
    old_tasks = {r["task"] for r in (json.loads(line) for line in first.read_text().splitlines())}
    assert {r["task"] for r in rows} == old_tasks  # not made twice
    users = collab("users", data=data).stdout.splitlines()
    assert len(users) == 16 * 2 + 2 + 2  # no duplicates on the second run
    old = [json.loads(line) for line in first.read_text().splitlines()]
    assert old[0]["token_a"] != rows[0]["token_a"]  # previous tokens revoked, fresh ones issued


@pytest.mark.anyio
async def test_loadtest_tokens_have_the_promised_access(tmp_path: Path) -> None:
    from tests.support.server import make_settings

    settings = make_settings(tmp_path / "data")
    out = tmp_path / "pairs.jsonl"
    assert collab("loadtest-setup", "--pairs", "2", "--out", str(out), data=settings.data_dir).returncode == 0
    row = json.loads(out.read_text().splitlines()[0])
    with ServerThread(settings) as server:
        a = await server.open(row["doc"], row["token_a"])
        observer = await server.open(row["doc"], row["token_observer"])
        await a.append("charge")
        await observer.wait_text("charge")
        await observer.append("non")
        assert await observer.wait_closed() == 4403
        await a.close()


def test_admin_commands_from_school_to_rgpd(tmp_path: Path) -> None:
    data = tmp_path / "data"
    school = collab("admin", "create-school", "--commune", "Sète", "--name", "École Paul Valéry", data=data)
    assert school.returncode == 0, school.stderr
    school_id = school.stdout.strip()
    klass = collab(
        "admin",
        "create-class",
        "--school-id",
        school_id,
        "--name",
        "CM2 Bleu",
        "--level",
        "CM2",
        "--year",
        "2026-2027",
        data=data,
    )
    class_id, code = klass.stdout.split()
    teacher = collab("admin", "create-teacher", "m.bleu", "--name", "M. Bleu", "--class-id", class_id, data=data)
    assert teacher.returncode == 0 and len(teacher.stdout.strip()) >= 12  # the password, printed once
    admin = collab("admin", "create-admin", "admin.sete", "--name", "Mairie de Sète", "--commune", "Sète", data=data)
    assert admin.returncode == 0
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text("prénom;nom\nLouise;Michel\nVictor;Hugo\n", encoding="utf-8")
    imported = collab("admin", "import-class", "--class-id", class_id, str(csv_file), data=data)
    assert imported.returncode == 0, imported.stderr
    louise = imported.stdout.splitlines()[0].split("\t")
    assert louise == [f"louise.m.{code.lower()}", "Louise M."]
    users = [json.loads(line) for line in collab("users", data=data).stdout.splitlines()]
    assert {"login": louise[0], "role": "pupil", "class": "CM2 Bleu", "pair": None} in users
    out = tmp_path / "louise.zip"
    assert collab("admin", "export-pupil", louise[0], "--out", str(out), data=data).returncode == 0
    assert "compte.json" in zipfile.ZipFile(out).namelist()
    refused = collab("admin", "delete-pupil", louise[0], data=data)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert collab("admin", "delete-pupil", louise[0], "--yes", data=data).returncode == 0
    assert louise[0] not in collab("users", data=data).stdout
    audit = [json.loads(line) for line in collab("admin", "audit-log", data=data).stdout.splitlines()]
    assert [(a["action"], a["pupil"]) for a in audit] == [("delete", louise[0]), ("export", louise[0])]
    assert all(a["by"].startswith("ligne de commande") for a in audit)
    rollover = collab("admin", "rollover", "--school-id", school_id, "--year", "2026-2027", data=data)
    assert rollover.stdout.strip() == "1"
    # The next year: Victor goes on into this year's class, with his login.
    next_year = ["--school-id", school_id, "--name", "CM2 Vert", "--level", "CM2", "--year", "2027-2028"]
    new_id = collab("admin", "create-class", *next_year, data=data).stdout.split()[0]
    wrong = collab("admin", "carry-pupils", "--from-class", new_id, "--to-class", class_id, data=data)
    assert wrong.returncode == 1 and "archived" in wrong.stderr
    carried = collab("admin", "carry-pupils", "--from-class", class_id, "--to-class", new_id, data=data)
    assert carried.returncode == 0 and carried.stdout.strip() == "1"
    users = [json.loads(line) for line in collab("users", data=data).stdout.splitlines()]
    assert [u["class"] for u in users if u["login"] == f"victor.h.{code.lower()}"] == ["CM2 Vert"]


def test_admin_command_errors_are_clear(tmp_path: Path) -> None:
    data = tmp_path / "data"
    missing = collab("admin", "create-teacher", "x", "--name", "X", "--class-id", "42", data=data)
    assert missing.returncode == 1 and "Aucune classe" in missing.stderr
    bad_csv = tmp_path / "image.csv"
    bad_csv.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    school = collab("admin", "create-school", "--commune", "Sète", "--name", "École", data=data).stdout.strip()
    klass = collab(
        "admin",
        "create-class",
        "--school-id",
        school,
        "--name",
        "CP",
        "--level",
        "CP",
        "--year",
        "2026-2027",
        data=data,
    ).stdout.split()[0]
    result = collab("admin", "import-class", "--class-id", klass, str(bad_csv), data=data)
    assert result.returncode == 1 and "CSV" in result.stderr
