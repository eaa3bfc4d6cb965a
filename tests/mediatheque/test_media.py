"""The médiathèque through HTTP: uploads checked from content, Range requests, class-only access."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from collab.demo.seeding import DEMO_AUDIO, DEMO_PASSWORDS
from collab.settings import Settings
from tests.support.audio_samples import tone_wav
from tests.support.data import media_files
from tests.support.media import upload
from tests.support.server import make_settings
from tests.support.web import OTHER_PASSWORD, DemoSchool, browser, csrf_from, sign_in_adult, sign_in_pupil

MAX_BYTES = 300_000


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", max_media_bytes=MAX_BYTES)


DEMO_SHA = hashlib.sha256(DEMO_AUDIO.read_bytes()).hexdigest()


def media_rows(settings: Settings, school: DemoSchool) -> list[tuple[int, str, str, float | None, int | None]]:
    """The médiathèque's records, but for the demo school's own dictation."""
    files = media_files(settings, school)
    return [(m.id, m.name, m.sha256, m.duration, m.class_id) for m in files if m.sha256 != DEMO_SHA]


def stored_files(settings: Settings) -> list[Path]:
    root = settings.media_dir
    found = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return [p for p in found if p.name != DEMO_SHA]


def test_upload_a_dictation_and_play_it_with_ranges(
    teacher: TestClient, settings: Settings, school: DemoSchool
) -> None:
    audio = tone_wav(2.0)
    assert upload(teacher, school.class_id, audio, "dictée-automne.wav") == 303
    [(media_id, name, sha, duration, class_id)] = media_rows(settings, school)
    assert name == "dictée-automne" and class_id == school.class_id
    assert duration == pytest.approx(2.0, abs=0.01)
    assert stored_files(settings) == [settings.media_dir / sha[:2] / sha]
    page = teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque").text
    assert "0 min 02 s" in page
    whole = teacher.get(f"/media/{media_id}")
    assert whole.status_code == 200 and whole.content == audio and whole.headers["content-type"] == "audio/wav"
    part = teacher.get(f"/media/{media_id}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == audio[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio)}"


def test_rename_and_delete(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    assert upload(teacher, school.class_id, tone_wav(1.0), "a.wav", name="Dictée 1") == 303
    assert upload(teacher, school.class_id, tone_wav(1.0), "b.wav", name="La même") == 303  # same content
    (first, *_), (second, *_) = media_rows(settings, school)
    assert len(stored_files(settings)) == 1  # stored once
    csrf = csrf_from(teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque").text)
    form = {"csrf": csrf, "class_id": str(school.class_id)}
    assert teacher.post(f"/media/{first}/nom", data={**form, "name": "Dictée de l'automne"}).status_code == 303
    assert media_rows(settings, school)[0][1] == "Dictée de l'automne"
    assert teacher.post(f"/media/{first}/supprimer", data=form).status_code == 303
    assert len(stored_files(settings)) == 1  # the other record still uses the file
    assert teacher.post(f"/media/{second}/supprimer", data=form).status_code == 303
    assert stored_files(settings) == [] and media_rows(settings, school) == []


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 500, "dictée.mp3", 400, "« dictée » n&#39;est pas déposé. Ce fichier n&#39;est ni"),
        (b"<html><script>alert(1)</script></html>", "dictee.wav", 400, "Ce fichier n&#39;est ni un son, ni une image"),
        (b"RIFF\x24\x08\x00\x00WAVE" + b"\x13" * 400, "abimee.wav", 400, "abîmé"),
        (b"ID3" + b"\x00" * (MAX_BYTES + 10), "long.mp3", 413, "Ce fichier est trop gros"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    teacher: TestClient, settings: Settings, school: DemoSchool, data: bytes, filename: str, status: int, message: str
) -> None:
    page = teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque")
    response = teacher.post(
        f"/enseignant/classe/{school.class_id}/mediatheque",
        data={"csrf": csrf_from(page.text)},
        files={"file": (filename, data, "audio/mpeg")},
        headers={"accept": "text/html"},
    )
    assert response.status_code == status
    # the médiathèque again, with the reason where the form is: not an error page
    assert message in response.text and "Oups" not in response.text
    assert "— médiathèque</h1>" in response.text and "Déposer un fichier" in response.text
    assert media_rows(settings, school) == [] and stored_files(settings) == []


def test_path_tricks_in_names_stay_names(teacher: TestClient, settings: Settings, school: DemoSchool) -> None:
    assert upload(teacher, school.class_id, tone_wav(0.5), "../../../etc/passwd.wav") == 303
    [(_, name, sha, _, _)] = media_rows(settings, school)
    assert name == "passwd"
    assert stored_files(settings) == [settings.media_dir / sha[:2] / sha]


def test_files_are_served_only_to_their_class(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    assert sign_in_adult(client, "mme.durand", DEMO_PASSWORDS["mme.durand"])[0] == 303
    assert upload(client, school.class_id, tone_wav(0.5), "classe.wav") == 303
    assert upload(client, school.class_id, tone_wav(0.7), "ecole.wav", shelf="school") == 303
    class_file, school_file = (row[0] for row in media_rows(settings, school))
    with browser(settings) as anonymous:
        assert anonymous.get(f"/media/{class_file}").status_code == 401
    with browser(settings) as pupil:
        sign_in_pupil(pupil, school)
        assert pupil.get(f"/media/{class_file}").status_code == 200
        assert pupil.get(f"/media/{school_file}").status_code == 200
        csrf = csrf_from(pupil.get("/").text)
        assert pupil.post(f"/media/{class_file}/supprimer", data={"csrf": csrf}).status_code == 403
    with browser(settings) as other:
        assert sign_in_adult(other, "m.blanc", OTHER_PASSWORD)[0] == 303
        assert other.get(f"/media/{class_file}").status_code == 403  # another class of the school
        assert other.get(f"/media/{school_file}").status_code == 200  # the school's shared shelf
        csrf = csrf_from(other.get("/").text)
        assert other.post(f"/media/{class_file}/supprimer", data={"csrf": csrf}).status_code == 403
        assert other.post(f"/media/{class_file}/nom", data={"csrf": csrf, "name": "x"}).status_code == 403
        # Uploading into another teacher's class.
        intrusion = other.post(
            f"/enseignant/classe/{school.class_id}/mediatheque",
            data={"csrf": csrf},
            files={"file": ("intrus.wav", tone_wav(0.5), "audio/wav")},
        )
        assert intrusion.status_code == 403
    with browser(settings) as far:
        assert sign_in_adult(far, "admin.hugo", OTHER_PASSWORD)[0] == 303
        assert far.get(f"/media/{school_file}").status_code == 403  # another school
    assert len(media_rows(settings, school)) == 2


@pytest.mark.parametrize("media_id", ["999999", "abc"])
def test_forged_media_ids(teacher: TestClient, media_id: str) -> None:
    assert teacher.get(f"/media/{media_id}").status_code == 404
