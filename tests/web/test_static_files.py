"""Static files: hashed URLs from every template, pre-compressed copies chosen by Accept-Encoding,
cache headers, and nothing outside static/ (issue 13, point 15); the pages a pupil's tablet may
keep offline (point 4)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from collab.app import create_app
from collab.settings import Settings
from collab.web.static_files import IMMUTABLE, StaticAssets, choose_encoding
from tests.support.server import REPO, ServerThread
from tests.support.web import AsWho, DemoSchool

STATIC = REPO / "static"
ROOM_JS = (STATIC / "dist" / "room.js").read_bytes()
ROOM_HASH = hashlib.sha256(ROOM_JS).hexdigest()[:12]
HASHED_ROOM = f"/static/dist/room.{ROOM_HASH}.js"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app with no school (static files need none)."""
    with TestClient(create_app(settings), base_url="http://127.0.0.1", follow_redirects=False) as test_client:
        yield test_client


def raw_get(client: TestClient, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the bytes as sent (not decompressed by the client)."""
    with client.stream("GET", url, headers=headers) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_raw())


def test_every_template_names_static_files_through_static_url() -> None:
    for template in sorted((REPO / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert "/static/" not in text, template
        assert "url_for('static'" not in text and 'url_for("static"' not in text, template


def test_the_room_links_its_bundle_and_styles_by_content_hash(as_who: AsWho, school: DemoSchool) -> None:
    page = as_who("lea").get(f"/ecrire/{school.lea_doc}").text
    assert f'src="http://127.0.0.1{HASHED_ROOM}"' in page
    site_hash = hashlib.sha256((STATIC / "css" / "site.css").read_bytes()).hexdigest()[:12]
    assert f"/static/css/site.{site_hash}.css" in page
    assert re.search(r"/static/js/player\.[0-9a-f]{12}\.js", page)
    assert "/static/dist/room.js" not in page and "/static/css/site.css" not in page


@pytest.mark.parametrize(
    ("accept", "encoding", "copy"),
    [
        ("gzip, deflate, br, zstd", "br", ".br"),
        ("gzip, deflate", "gzip", ".gz"),
        ("br;q=0.5, gzip", "gzip", ".gz"),
        ("br;q=0, gzip;q=0.8", "gzip", ".gz"),
        ("identity", None, ""),
        ("", None, ""),
    ],
)
def test_hashed_bundle_is_compressed_as_asked_and_kept_for_a_year(
    client: TestClient, accept: str, encoding: str | None, copy: str
) -> None:
    status, headers, body = raw_get(client, HASHED_ROOM, **{"accept-encoding": accept})
    assert status == 200
    assert body == (STATIC / "dist" / f"room.js{copy}").read_bytes()
    assert headers.get("content-encoding") == encoding
    assert headers["content-length"] == str(len(body))
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert headers["vary"] == "Accept-Encoding"
    assert "script-src 'self'" in headers["content-security-policy"]  # the policy stays on files
    if encoding == "gzip":
        assert gzip.decompress(body) == ROOM_JS
    if encoding == "br":
        assert len(body) < len(ROOM_JS) / 3


def test_plain_urls_still_work_and_are_revalidated(client: TestClient) -> None:
    status, headers, body = raw_get(client, "/static/dist/room.js", **{"accept-encoding": "gzip"})
    assert status == 200 and gzip.decompress(body) == ROOM_JS
    assert headers["cache-control"] == "no-cache"
    etag = headers["etag"]
    assert etag == f'"{ROOM_HASH}-gzip"'
    again = client.get("/static/dist/room.js", headers={"accept-encoding": "gzip", "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["vary"] == "Accept-Encoding"
    # another representation's tag is not this one
    other = client.get("/static/dist/room.js", headers={"accept-encoding": "identity", "if-none-match": etag})
    assert other.status_code == 200 and other.content == ROOM_JS
    # a font has no compressed copy (woff2 is compressed already): no Vary, its own type
    status, headers, body = raw_get(client, "/static/dist/fonts/opendyslexic-latin-400-normal.woff2")
    assert status == 200 and headers["content-type"] == "font/woff2" and "vary" not in headers
    assert body == (STATIC / "dist" / "fonts" / "opendyslexic-latin-400-normal.woff2").read_bytes()


def test_an_old_hash_gets_the_current_file_without_long_caching(client: TestClient) -> None:
    status, headers, body = raw_get(client, "/static/dist/room.0123456789ab.js", **{"accept-encoding": "identity"})
    assert status == 200 and body == ROOM_JS
    assert headers["cache-control"] == "no-cache"


def test_head_gives_the_length_without_the_body(client: TestClient) -> None:
    response = client.head(HASHED_ROOM, headers={"accept-encoding": "br"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == str((STATIC / "dist" / "room.js.br").stat().st_size)
    assert client.post(HASHED_ROOM).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/static/nothing.js",
        "/static/dist/room.js.br",  # the compressed copies are not files of their own
        "/static/dist/room.js.gz",
        "/static/compressed.json",
        "/static/dist/",
        "/static/",
        "/static/dist/nothing.0123456789ab.js",
    ],
)
def test_unknown_files_are_404(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "existe pas" in response.text


async def _raw_http(port: int, target: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


@pytest.mark.anyio
@pytest.mark.parametrize(
    "target",
    [
        "/static/../pyproject.toml",
        "/static/../../etc/passwd",
        "/static/%2e%2e/pyproject.toml",
        "/static/dist/..%2f..%2fpyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/dist/../../collab/app.py",
        "/static/js/..%2f..%2fcollab%2fsettings.py",
    ],
)
async def test_no_path_leaves_static(server: ServerThread, target: str) -> None:
    answer = await _raw_http(server.port, target)
    status = answer.split(b"\r\n", 1)[0]
    assert status.endswith(b"404 Not Found"), status
    assert b"[project]" not in answer and b"root:" not in answer and b"create_app" not in answer


def test_choose_encoding() -> None:
    both = {"identity": b"", "br": b"", "gzip": b""}
    assert choose_encoding("gzip, deflate, br", both) == "br"
    assert choose_encoding("gzip", both) == "gzip"
    assert choose_encoding("*", both) == "br"
    assert choose_encoding("*;q=0.5, br;q=0", both) == "gzip"
    assert choose_encoding("GZIP;Q=1", both) == "gzip"
    assert choose_encoding("br;q=nonsense, gzip", both) == "gzip"
    assert choose_encoding("br", {"identity": b""}) == "identity"
    assert choose_encoding("", both) == "identity"


def test_copies_made_from_another_version_of_a_file_are_not_served(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("new();")
    (tmp_path / "js" / "a.js.gz").write_bytes(gzip.compress(b"old();"))
    (tmp_path / "js" / "b.js").write_text("b();")
    (tmp_path / "js" / "b.js.gz").write_bytes(gzip.compress(b"b();"))
    made_from = {"js/a.js": hashlib.sha256(b"old();").hexdigest(), "js/b.js": hashlib.sha256(b"b();").hexdigest()}
    (tmp_path / "compressed.json").write_text(json.dumps(made_from))
    assets = StaticAssets(tmp_path)
    assert set(assets.assets["js/a.js"].bodies) == {"identity"}
    assert set(assets.assets["js/b.js"].bodies) == {"identity", "gzip"}
    assert set(assets.assets) == {"js/a.js", "js/b.js"}
    with pytest.raises(LookupError):
        assets.hashed("js/c.js")


def test_the_committed_copies_are_those_of_the_files(client: TestClient) -> None:
    """What `node build.mjs --check` verifies, seen from the server: every script and style
    sheet has its compressed copies."""
    made_from = json.loads((STATIC / "compressed.json").read_text())
    for folder, pattern in (("dist", "*.js"), ("js", "*.js"), ("css", "*.css")):
        for file in (STATIC / folder).glob(pattern):
            name = file.relative_to(STATIC).as_posix()
            assert made_from[name] == hashlib.sha256(file.read_bytes()).hexdigest(), name
            assert gzip.decompress(file.with_name(file.name + ".gz").read_bytes()) == file.read_bytes()
            assert file.with_name(file.name + ".br").is_file()


def test_the_service_worker_is_served_from_the_root(client: TestClient) -> None:
    response = client.get("/sw.js", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    assert response.text == (STATIC / "js" / "sw.js").read_text()


def test_only_the_pupils_own_pages_may_be_kept_offline(as_who: AsWho, school: DemoSchool) -> None:
    lea = as_who("lea")
    assert lea.get(f"/ecrire/{school.lea_doc}").headers["binome-offline"] == "keep"
    assert lea.get("/").headers["binome-offline"] == "keep"
    assert "/static/js/offline." in lea.get("/").text  # the pupil's pages register the worker
    assert "binome-offline" not in lea.get(f"/ecrire/{school.lea_doc}/etat").headers  # the room's state: no
    teacher = as_who("teacher")
    for path in ("/", f"/ecrire/{school.lea_doc}", f"/enseignant/tache/{school.dictation_task_id}/tableau"):
        response = teacher.get(path)
        assert response.status_code == 200, path
        assert "binome-offline" not in response.headers, path
        assert "/static/js/offline." not in response.text, path
