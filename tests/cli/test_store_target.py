"""Every ``collab`` command opens the database COLLAB_DATABASE (or --database) names: a SQLite file
elsewhere than the data directory, or PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import collab
from tests.support.server import ServerProcess, free_port, make_settings
from tests.support.yclient import YClient


def administer(data: Path, env: dict[str, str]) -> tuple[str, str]:
    """A school, a class and a teacher made with ``collab admin``; the class's id and the
    teacher's login."""
    school = collab("admin", "create-school", "--commune", "Sète", "--name", "École Brassens", data=data, env=env)
    assert school.returncode == 0, school.stderr
    klass = collab(
        "admin",
        *("create-class", "--school-id", school.stdout.strip(), "--name", "CM1"),
        *("--level", "CM1", "--year", "2026-2027"),
        data=data,
        env=env,
    )
    assert klass.returncode == 0, klass.stderr
    class_id = klass.stdout.split()[0]
    teacher = collab(
        "admin", "create-teacher", "m.brassens", "--name", "M. Brassens", "--class-id", class_id, data=data, env=env
    )
    assert teacher.returncode == 0, teacher.stderr
    return class_id, "m.brassens"


def logins(data: Path, env: dict[str, str]) -> set[str]:
    out = collab("users", data=data, env=env)
    assert out.returncode == 0, out.stderr
    return {json.loads(line)["login"] for line in out.stdout.splitlines()}


@pytest.mark.anyio
async def test_every_command_uses_a_sqlite_file_named_by_collab_database(tmp_path: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "ailleurs" / "ecole.sqlite3"
    env = {"COLLAB_DATABASE": str(elsewhere)}
    administer(data, env)
    assert "m.brassens" in logins(data, env)
    assert "m.brassens" not in logins(tmp_path / "other-data", {})  # the default is the data directory's file
    pairs = tmp_path / "pairs.jsonl"
    assert collab("loadtest-setup", "--pairs", "2", "--out", str(pairs), data=data, env=env).returncode == 0
    token = collab("token", "m.brassens", data=data, env=env)
    assert token.returncode == 0, token.stderr
    copy = tmp_path / "copie.sqlite3"
    assert collab("backup", str(copy), data=data, env=env).returncode == 0
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT COUNT(*) FROM users WHERE login = 'm.brassens'").fetchone() == (1,)
    assert not (data / "collab.sqlite3").exists()  # nothing was written in the data directory's file
    # The server too: a document of the load-test school opens with its token.
    row = json.loads(pairs.read_text().splitlines()[0])
    with ServerProcess(make_settings(data), COLLAB_DATABASE=str(elsewhere)) as server:
        client = await YClient.connect(server.doc_url(row["doc"], row["token_a"]))
        await client.wait_synced()
        await client.close()
    assert not (data / "collab.sqlite3").exists()


def test_the_database_flag_wins_over_the_environment(tmp_path: Path) -> None:
    data, chosen, ignored = tmp_path / "data", tmp_path / "chosen.sqlite3", tmp_path / "ignored.sqlite3"
    administer(data, {"COLLAB_DATABASE": str(chosen)})
    assert "m.brassens" in logins(data, {"COLLAB_DATABASE": str(chosen)})
    out = collab("users", "--database", str(chosen), data=data, env={"COLLAB_DATABASE": str(ignored)})
    assert "m.brassens" in out.stdout


@pytest.mark.anyio
async def test_every_command_uses_postgresql(tmp_path: Path, postgres_url: str) -> None:
    data = tmp_path / "data"
    env = {"COLLAB_DATABASE": postgres_url}
    administer(data, env)
    assert "m.brassens" in logins(data, env)
    pairs = tmp_path / "pairs.jsonl"
    setup = collab("loadtest-setup", "--pairs", "2", "--out", str(pairs), data=data, env=env)
    assert setup.returncode == 0, setup.stderr
    audit = collab("admin", "audit-log", data=data, env=env)
    assert audit.returncode == 0, audit.stderr
    assert not (data / "collab.sqlite3").exists()  # PostgreSQL holds it all
    row = json.loads(pairs.read_text().splitlines()[0])
    with ServerProcess(make_settings(data), COLLAB_DATABASE=postgres_url) as server:
        a = await server.open(row["doc"], row["token_a"])
        b = await server.open(row["doc"], row["token_b"])
        await a.append("écrit dans PostgreSQL")
        await b.wait_text("écrit dans PostgreSQL")
        await a.close()
        await b.close()
    revoked = collab("token", "--revoke", "m.brassens", data=data, env=env)
    assert revoked.returncode == 0 and "m.brassens" in revoked.stderr, revoked.stderr


def test_backup_on_postgresql_gives_the_pg_dump_command(tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url.replace("://collab@", "://collab:tres-secret@", 1)
    out = collab("backup", str(tmp_path / "copie.dump"), data=tmp_path / "data", env={"COLLAB_DATABASE": url})
    assert out.returncode == 1
    assert f"pg_dump --format=custom --file={tmp_path / 'copie.dump'} " in out.stderr
    assert url.replace("tres-secret", "***") in out.stderr and "tres-secret" not in out.stderr
    assert "media" in out.stderr  # and what pg_dump does not hold
    assert not (tmp_path / "copie.dump").exists()


def test_a_database_that_cannot_be_opened_is_said_so(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"  # written by a newer Binôme
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 999")
    unreachable = f"postgresql://collab:tres-secret@127.0.0.1:{free_port()}/binome"
    for database, reason in ((str(newer), "schema version 999"), (unreachable, "")):
        for command in (["users"], ["serve", "--port", str(free_port())]):
            out = collab(*command, "--database", database, data=tmp_path / "data")
            assert out.returncode == 1, out.stderr
            assert "collab: cannot open the database" in out.stderr and reason in out.stderr
            assert "Traceback" not in out.stderr and "tres-secret" not in out.stderr
