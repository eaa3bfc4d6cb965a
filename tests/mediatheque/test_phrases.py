"""The teacher's phrase editor through HTTP: automatic cuts on upload, move, merge, split, detect."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from collab.settings import Settings
from tests.support.audio_samples import EXPECTED_CUTS, SPANS, encode, phrases_wav, tone_wav
from tests.support.data import newest_media, with_store
from tests.support.media import upload
from tests.support.server import make_settings
from tests.support.web import DemoSchool, browser, csrf_from, sign_in_as


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", max_media_bytes=1_000_000)


def cuts_of(settings: Settings, media_id: int) -> list[float]:
    media = with_store(settings, lambda store: store.media.get(media_id))
    assert media is not None
    return list(media.cuts)


def uploaded(teacher: TestClient, settings: Settings, school: DemoSchool, data: bytes, name: str) -> int:
    assert upload(teacher, school.class_id, data, name) == 303
    return newest_media(settings, school, school.class_id)


def edit(client: TestClient, school: DemoSchool, media_id: int, **fields: str) -> tuple[int, str]:
    url = f"/enseignant/classe/{school.class_id}/mediatheque/{media_id}/phrases"
    page = client.get(url)
    csrf = csrf_from(page.text) if page.status_code == 200 else csrf_from(client.get("/").text)
    response = client.post(url, data={"csrf": csrf, **fields}, headers={"accept": "text/html"})
    return response.status_code, response.text


@pytest.mark.parametrize("suffix", ["wav", "webm"])
def test_an_upload_is_cut_at_its_silences(
    teacher: TestClient, settings: Settings, school: DemoSchool, suffix: str
) -> None:
    wav = phrases_wav(SPANS, 9.5, rate=8000)
    media_id = uploaded(teacher, settings, school, wav if suffix == "wav" else encode(wav, suffix), f"d.{suffix}")
    assert cuts_of(settings, media_id) == pytest.approx(EXPECTED_CUTS, abs=0.05)
    page = teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque").text
    assert "Phrases (3)" in page
    phrases = teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque/{media_id}/phrases").text
    assert phrases.count('class="button segment"') == 3
    assert "Réunir avec la phrase 3" in phrases and "Réunir avec la phrase 4" not in phrases


def test_the_teacher_moves_merges_splits_and_restores(
    teacher: TestClient, settings: Settings, school: DemoSchool
) -> None:
    media_id = uploaded(teacher, settings, school, phrases_wav(SPANS, 9.5, rate=8000), "d.wav")
    automatic = cuts_of(settings, media_id)
    assert edit(teacher, school, media_id, action="move", cut="0", at="3,1")[0] == 303
    assert cuts_of(settings, media_id) == [3.1, automatic[1]]
    assert edit(teacher, school, media_id, action="split", at="8.2")[0] == 303
    assert cuts_of(settings, media_id) == [3.1, automatic[1], 8.2]
    assert edit(teacher, school, media_id, action="merge", segment="1")[0] == 303
    assert cuts_of(settings, media_id) == [automatic[1], 8.2]
    assert edit(teacher, school, media_id, action="detect")[0] == 303
    assert cuts_of(settings, media_id) == automatic


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "move", "cut": "0", "at": "7"}, "entre la précédente et la suivante"),
        ({"action": "move", "cut": "5", "at": "1"}, "Cette coupure n&#39;existe pas"),
        ({"action": "move", "cut": "0", "at": "deux"}, "Écrivez un temps en secondes"),
        ({"action": "move", "cut": "0", "at": "nan"}, "Écrivez un temps en secondes"),
        ({"action": "split", "at": "2.9"}, "trop proches"),
        ({"action": "split", "at": "20"}, "à l&#39;intérieur du son"),
        ({"action": "merge", "segment": "3"}, "pas de segment suivant"),
        ({"action": "merge", "segment": "-1"}, "Ce segment n&#39;existe pas"),
        ({"action": "effacer"}, "Action inconnue"),
    ],
)
def test_impossible_edits_are_explained_and_change_nothing(
    teacher: TestClient, settings: Settings, school: DemoSchool, fields: dict[str, str], message: str
) -> None:
    media_id = uploaded(teacher, settings, school, phrases_wav(SPANS, 9.5, rate=8000), "d.wav")
    before = cuts_of(settings, media_id)
    status, text = edit(teacher, school, media_id, **fields)
    assert status == 400 and message in text
    assert cuts_of(settings, media_id) == before


def test_only_the_class_teacher_edits_phrases(client: TestClient, settings: Settings, school: DemoSchool) -> None:
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        media_id = uploaded(teacher, settings, school, tone_wav(3.0), "d.wav")
        image_id = uploaded(teacher, settings, school, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "i.png")
        assert edit(teacher, school, image_id, action="detect")[0] == 404
        assert edit(teacher, school, 99999, action="detect")[0] == 404
        assert teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque/abc/phrases").status_code == 404
        # the recording seen through the other class's address: not on that class's shelf
        assert teacher.get(
            f"/enseignant/classe/{school.other_class_id}/mediatheque/{media_id}/phrases"
        ).status_code in (
            403,
            404,
        )
    for who in ("lea", "other teacher", "parent", "admin"):
        with browser(settings) as other:
            sign_in_as(other, who, school)
            assert edit(other, school, media_id, action="split", at="1.5")[0] == 403
    assert cuts_of(settings, media_id) == []
