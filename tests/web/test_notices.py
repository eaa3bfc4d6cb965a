"""Notices come from codes looked up in one table: words written in a link never reach a page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.requests import HTTPConnection

from collab.settings import Settings
from collab.web.auth import SESSION_COOKIE
from collab.web.notices import NOTICE_COOKIE, notice, notice_of, redirect_with_notice
from tests.support.data import school_id
from tests.support.server import REPO
from tests.support.web import AsWho, DemoSchool, csrf_from

HTML = {"accept": "text/html"}
FORGED = ["<script>alert(1)</script>", "Votre compte est piraté : appelez le 08 99 00 00 00", "eleves-ajoutes"]


#: The browser's session cookie: a counted notice is signed for it.
SESSION = f"{SESSION_COOKIE}=la-session-de-ce-navigateur"


def _conn(query: str, cookie: str = "", session: str = SESSION) -> HTTPConnection:
    cookies = "; ".join(c for c in (session, cookie) if c)
    headers = [(b"cookie", cookies.encode())] if cookies else []
    return HTTPConnection({"type": "http", "query_string": query.encode(), "headers": headers})


_APP = SimpleNamespace(state=SimpleNamespace(settings=Settings()))


def _redirect(code: str, count: int | None = None) -> tuple[str, str]:
    """The address and the notice cookie (if any) of redirect_with_notice."""
    conn = HTTPConnection(
        {"type": "http", "query_string": b"", "headers": [(b"cookie", SESSION.encode())], "app": _APP}
    )
    response = redirect_with_notice(conn, "/x", code, count)
    cookie = response.headers.get("set-cookie", "")
    return response.headers["location"], cookie.split(";")[0]


def _shown(code: str, count: int | None = None) -> str:
    location, cookie = _redirect(code, count)
    return notice_of(_conn(location.partition("?")[2], cookie))


def test_codes_counts_and_unknown_codes() -> None:
    assert notice_of(_conn("ok=prenom")) == "prénom modifié"
    assert _shown("eleves-ajoutes", 3) == "3 élèves ajoutés"
    assert _shown("eleves-ajoutes", 1) == "1 élève ajouté"
    assert _shown("textes-verrouilles", 0) == "0 texte mis en pause"
    for query in ("ok=eleves-ajoutes", "ok=eleves-ajoutes&n=-1", "ok=eleves-ajoutes&n=9999999", "ok=inconnu", ""):
        assert notice_of(_conn(query)) == "", query
    location, cookie = _redirect("eleves-ajoutes", 2)
    assert location == "/x?ok=eleves-ajoutes&n=2" and cookie.startswith(f"{NOTICE_COOKIE}=")
    assert _redirect("prenom") == ("/x?ok=prenom", "")  # a notice without a count needs no cookie
    with pytest.raises(KeyError):
        _redirect("Tâche terminée")
    with pytest.raises(KeyError):
        _redirect("eleves-ajoutes")  # a counted notice needs its count


def test_a_count_not_signed_for_this_browser_shows_nothing() -> None:
    location, cookie = _redirect("eleves-ajoutes", 3)
    query = location.partition("?")[2]
    assert notice_of(_conn(query, cookie)) == "3 élèves ajoutés"
    forged = [
        (query, ""),  # a link made elsewhere: no cookie
        ("ok=eleves-ajoutes&n=4", cookie),  # another count
        ("ok=eleves-importes&n=3", cookie),  # another notice
        (query, cookie + "x"),  # a changed signature
        (query, f"{NOTICE_COOKIE}="),
    ]
    for forged_query, forged_cookie in forged:
        assert notice_of(_conn(forged_query, forged_cookie)) == "", (forged_query, forged_cookie)
    # The notice cookie copied to another browser (another session), or kept after signing out.
    assert notice_of(_conn(query, cookie, session=f"{SESSION_COOKIE}=une-autre-session")) == ""
    assert notice_of(_conn(query, cookie, session="")) == ""


def test_a_count_signed_by_one_worker_is_shown_by_another() -> None:
    """With several workers the redirect and the page it leads to may be served by two processes:
    the signature depends on nothing a process keeps."""
    script = (
        "from tests.web.test_notices import _redirect; "
        "location, cookie = _redirect('eleves-ajoutes', 5); print(location); print(cookie)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    location, cookie = done.stdout.split()
    assert notice_of(_conn(location.partition("?")[2], cookie)) == "5 élèves ajoutés"


def test_named_notices_format_their_values() -> None:
    assert notice("parent-relie-a", name="Léa") == "parent relié à Léa"
    with pytest.raises(KeyError):
        notice("Votre compte est piraté")


def test_no_view_writes_a_notice_text_into_an_address() -> None:
    for source in sorted(p for p in (REPO / "collab").rglob("*.py") if p.name != "notices.py"):
        text = Path(source).read_text(encoding="utf-8")
        assert not re.search(r"\?ok=|[\"']ok[\"']\s*:", text), source


def test_pages_show_known_notices_and_nothing_else(as_who: AsWho, school: DemoSchool, settings: Settings) -> None:
    teacher = as_who("teacher")
    klass, task = school.class_id, school.dictation_task_id
    pages = [
        f"/enseignant/classe/{klass}",
        f"/enseignant/classe/{klass}/binomes",
        f"/enseignant/classe/{klass}/mediatheque",
        f"/enseignant/classe/{klass}/mediatheque/{school.demo_media_id}/phrases",
        f"/enseignant/classe/{klass}/taches",
        f"/enseignant/tache/{task}/suivi",
        f"/enseignant/texte/{school.lea_doc}",
        f"/blog/classe/{klass}/moderation",
    ]
    for page in pages:
        for forged in FORGED:
            shown = teacher.get(page, params={"ok": forged, "n": "1"} if forged != "eleves-ajoutes" else {"ok": forged})
            assert shown.status_code == 200, page
            assert "alert(1)" not in shown.text and "piraté" not in shown.text, page
            assert 'class="notice"' not in shown.text, (page, forged)
    admin = as_who("admin")
    for page in ("/", f"/admin/ecole/{school_id(settings)}"):
        shown = admin.get(page, params={"ok": FORGED[1]}, headers=HTML)
        assert shown.status_code == 200 and "piraté" not in shown.text


def test_a_form_comes_back_with_its_notice(as_who: AsWho, school: DemoSchool) -> None:
    teacher = as_who("teacher")
    roster = f"/enseignant/classe/{school.class_id}"
    csrf = csrf_from(teacher.get(roster).text)
    added = teacher.post(f"{roster}/eleves", data={"csrf": csrf, "names": "Zoé\nYanis"})
    assert added.status_code == 303
    assert added.headers["location"].endswith("?ok=eleves-ajoutes&n=2")
    assert "2 élèves ajoutés" in teacher.get(added.headers["location"]).text
