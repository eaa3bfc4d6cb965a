"""Security headers on every response; no inline script in any template (the policy forbids them)."""

from __future__ import annotations

import re

import httpx
import pytest

from collab.web.headers import content_security_policy
from tests.support.server import REPO, ServerThread
from tests.support.web import DemoSchool

pytestmark = pytest.mark.anyio


def _check(response: httpx.Response) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert "unsafe-eval" not in policy
    host = response.request.url.netloc.decode()
    assert directives["connect-src"] == f"'self' ws://{host} wss://{host}"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


async def test_every_kind_of_response_carries_the_headers(
    school: DemoSchool, server: ServerThread, http: httpx.AsyncClient
) -> None:
    html = {"accept": "text/html"}
    answers = [
        await http.get("/connexion", headers=html),  # a page
        await http.get("/static/css/site.css"),  # a static file
        await http.get("/static/nothing.css"),  # a static 404
        await http.get("/nulle-part", headers=html),  # an error page
        await http.get("/api/docs"),  # a JSON error (401)
        await http.get("/healthz"),
        await http.post("/connexion", content=b"a" * 100_000, headers={"content-type": "text/plain"}),
        await http.post(
            "/connexion", content=b"a=" + b"b" * 100_000, headers={"content-type": "application/x-www-form-urlencoded"}
        ),  # 413
        await http.get(f"/media/{school.demo_media_id}"),  # 401
    ]
    assert {a.status_code for a in answers} >= {200, 401, 404, 413}
    for answer in answers:
        _check(answer)


def test_a_strange_host_is_not_repeated_in_the_policy() -> None:
    assert "evil" not in content_security_policy("evil.example; script-src *")
    assert content_security_policy("[::1]:8000").endswith("ws://[::1]:8000 wss://[::1]:8000")


def test_the_public_address_may_open_sockets_behind_a_proxy() -> None:
    policy = content_security_policy("127.0.0.1:8000", "binome.ecole.fr")
    assert policy.endswith("ws://127.0.0.1:8000 wss://127.0.0.1:8000 ws://binome.ecole.fr wss://binome.ecole.fr")
    assert content_security_policy("binome.ecole.fr", "binome.ecole.fr").count("wss://") == 1


def test_no_template_has_inline_script_or_event_handler() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    for template in sorted((REPO / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not inline_script.search(text), template
        assert not handler.search(text), template
        assert "javascript:" not in text, template
