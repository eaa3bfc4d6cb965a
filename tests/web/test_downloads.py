"""Downloads keep their accents (RFC 6266 ``filename*``), on every file Binôme hands out; the
favicon is answered at /favicon.ico and linked from every page."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient

from collab.demo.seeding import DEMO_PASSWORDS
from collab.settings import Settings
from collab.web.downloads import ascii_fallback, content_disposition, file_name
from tests.support.followup_data import write_and_agree
from tests.support.web import DemoSchool, sign_in_adult


def saved_as(header: str) -> tuple[str, str]:
    """(``filename``, ``filename*`` decoded) of a Content-Disposition header."""
    plain = re.search(r'filename="([^"]*)"', header)
    extended = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert plain is not None and extended is not None, header
    assert all(32 <= ord(c) < 127 for c in plain.group(1)), plain.group(1)
    return plain.group(1), unquote(extended.group(1), encoding="utf-8", errors="strict")


@pytest.mark.parametrize(
    ("stem", "extension", "name", "fallback"),
    [
        (
            "Dictée : le marché du village (CM1-CM2 Durand)",
            ".pdf",
            "Dictée - le marché du village (CM1-CM2 Durand).pdf",
            "Dictee - le marche du village (CM1-CM2 Durand).pdf",
        ),
        ("Œuvre « élève »/../x", ".zip", "Œuvre « élève » - .. - x.zip", "OEuvre eleve - .. - x.zip"),
        ('  "\\\x00', ".csv", "binome.csv", "binome.csv"),
        ("Noël", "", "Noël", "Noel"),
    ],
)
def test_a_readable_name_and_its_ascii_fallback(stem: str, extension: str, name: str, fallback: str) -> None:
    assert file_name(stem, extension) == name
    assert ascii_fallback(name) == fallback
    assert saved_as(content_disposition(name)) == (fallback, name)


def test_the_header_says_attachment_or_inline() -> None:
    assert content_disposition("Été.pdf") == "attachment; filename=\"Ete.pdf\"; filename*=UTF-8''%C3%89t%C3%A9.pdf"
    assert content_disposition("a b.mp3", inline=True).startswith('inline; filename="a b.mp3"; ')


def test_exports_keep_their_accents(settings: Settings, school: DemoSchool, teacher: TestClient) -> None:
    write_and_agree(settings, school)
    task = school.dictation_task_id
    pdf = teacher.get(f"/enseignant/tache/{task}/export.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-disposition"].startswith("attachment; ")
    assert saved_as(pdf.headers["content-disposition"]) == (
        "Dictee - le marche du village (CM1-CM2 Durand).pdf",
        "Dictée - le marché du village (CM1-CM2 Durand).pdf",
    )
    csv = teacher.get(f"/enseignant/tache/{task}/notes.csv")
    notes = "Dictée - le marché du village (CM1-CM2 Durand) - notes.csv"
    assert saved_as(csv.headers["content-disposition"])[1] == notes


def test_a_media_file_is_saved_under_its_name(school: DemoSchool, teacher: TestClient) -> None:
    page = teacher.get(f"/enseignant/classe/{school.class_id}/mediatheque").text
    found = re.search(r'id="media-(\d+)" name="name" value="([^"]+)"', page)
    assert found is not None
    media = teacher.get(f"/media/{found.group(1)}")
    assert media.status_code == 200
    header = media.headers["content-disposition"]
    assert header.startswith("inline; ")  # played in the page, « Enregistrer sous » gets the name
    plain, whole = saved_as(header)
    assert found.group(2) == "Dictée : le marché du village"
    assert (plain, whole) == ("Dictee - le marche du village.mp3", "Dictée - le marché du village.mp3")


def test_the_pupils_data_keep_the_accents_of_the_name(client: TestClient, school: DemoSchool) -> None:
    assert sign_in_adult(client, "admin.jeanmace", DEMO_PASSWORDS["admin.jeanmace"])[0] == 303
    response = client.get(f"/admin/eleve/{school.lea_id}/export")
    assert response.status_code == 200
    plain, whole = saved_as(response.headers["content-disposition"])
    assert whole.startswith("données de Léa") and whole.endswith(".zip") and plain.startswith("donnees de Lea")


def test_the_favicon_is_linked_and_answered(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/")
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.text)
    assert linked is not None
    svg = client.get(linked.group(1))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
