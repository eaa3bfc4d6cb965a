"""The académie deployment's settings: COLLAB_DATABASE, COLLAB_REDIS, COLLAB_WORKERS, read once, checked,
never shown with a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from collab.settings import Settings, from_env, new_worker_id, without_password
from tests.support.cli import collab

URL = "postgresql://binome:s3cr3t@db.example.org:5432/binome"


def test_the_embedded_default_is_the_data_directorys_sqlite_file() -> None:
    settings = from_env({"COLLAB_DATA": "/srv/binome"})
    assert (settings.database, settings.redis, settings.workers) == ("", "", 1)
    assert settings.store_target == Path("/srv/binome/collab.sqlite3") == settings.database_path
    assert not settings.on_postgres and settings.deployment_problem() is None


def test_database_redis_and_workers_from_the_environment() -> None:
    settings = from_env(
        {"COLLAB_DATABASE": URL, "COLLAB_REDIS": "redis://:motdepasse@cache:6379/2", "COLLAB_WORKERS": "4"}
    )
    assert settings.on_postgres and settings.store_target == URL
    assert (settings.redis, settings.workers) == ("redis://:motdepasse@cache:6379/2", 4)
    assert settings.deployment_problem() is None
    assert settings.shown_database == "postgresql://binome:***@db.example.org:5432/binome"
    assert settings.shown_redis == "redis://:***@cache:6379/2"
    assert from_env({"COLLAB_DATABASE": "postgres://h/b"}).on_postgres  # libpq's other spelling


def test_the_load_balancers_whose_forwarded_headers_are_believed() -> None:
    assert from_env({}).forwarded_allow_ips == ("127.0.0.1", "::1")  # uvicorn's own default
    settings = from_env({"COLLAB_FORWARDED_ALLOW_IPS": "10.0.0.5, 10.1.0.0/16"})
    assert settings.forwarded_allow_ips == ("10.0.0.5", "10.1.0.0/16")
    assert from_env({"COLLAB_FORWARDED_ALLOW_IPS": "*"}).forwarded_allow_ips == ("*",)
    with pytest.raises(ValueError, match="COLLAB_FORWARDED_ALLOW_IPS: 'nginx' is not a network"):
        from_env({"COLLAB_FORWARDED_ALLOW_IPS": "nginx"})


def test_a_sqlite_file_elsewhere_is_a_database_too() -> None:
    settings = from_env({"COLLAB_DATABASE": "/var/lib/binome/ecole.sqlite3"})
    assert settings.store_target == Path("/var/lib/binome/ecole.sqlite3") and not settings.on_postgres


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COLLAB_DATABASE": "mysql://u:pw@h/db"}, "COLLAB_DATABASE must be a postgresql:// URL"),
        ({"COLLAB_DATABASE": "postgresql://u:pw@h"}, "COLLAB_DATABASE must name its database"),
        ({"COLLAB_REDIS": "cache:6379"}, "COLLAB_REDIS must be a redis:// URL"),
        ({"COLLAB_REDIS": "http://cache"}, "COLLAB_REDIS must be a redis:// URL"),
        ({"COLLAB_WORKERS": "deux"}, "COLLAB_WORKERS must be a whole number"),
        ({"COLLAB_WORKERS": "0"}, "COLLAB_WORKERS must be at least 1"),
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        from_env(env)
    assert "pw" not in str(refused.value)  # not even in the message that refuses it


def test_passwords_are_never_shown() -> None:
    assert without_password(URL) == "postgresql://binome:***@db.example.org:5432/binome"
    assert without_password("postgresql://binome@h/b?password=x&sslmode=require") == (
        "postgresql://binome@h/b?password=***&sslmode=require"
    )
    assert without_password("postgresql://binome@h/b") == "postgresql://binome@h/b"
    assert without_password("redis://cache:6379/0") == "redis://cache:6379/0"


def test_several_workers_need_postgresql_and_redis() -> None:
    sqlite = Settings(workers=2)
    assert "PostgreSQL" in (sqlite.deployment_problem() or "") and "Redis" in (sqlite.deployment_problem() or "")
    assert Settings(workers=2, database=URL).deployment_problem() is not None  # no Redis
    assert Settings(workers=2, redis="redis://h").deployment_problem() is not None  # no PostgreSQL
    assert "PostgreSQL" in (Settings(redis="redis://h").deployment_problem() or "")  # Redis links PG workers only
    assert Settings(database=URL).deployment_problem() is None  # one process on PostgreSQL is fine


def test_every_process_has_its_own_worker_id() -> None:
    ids = {new_worker_id() for _ in range(100)}
    assert len(ids) == 100
    settings = Settings()
    assert settings.with_overrides(port=1).worker_id == settings.worker_id  # a copy is the same process
    assert Settings() == Settings()  # the id is no part of what the settings say


def test_a_bad_setting_stops_any_command_with_its_message(tmp_path: Path) -> None:
    out = collab("users", data=tmp_path / "data", env={"COLLAB_WORKERS": "beaucoup"})
    assert out.returncode == 2
    assert out.stderr.strip() == "collab: COLLAB_WORKERS must be a whole number, got 'beaucoup'"
    out = collab("users", "--database", "mysql://root:pw@h/b", data=tmp_path / "data")
    assert out.returncode == 2 and "--database must be a postgresql:// URL" in out.stderr and "pw" not in out.stderr
    assert not (tmp_path / "data").exists()  # nothing was opened
