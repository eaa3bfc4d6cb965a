"""The class blog's Atom feed over a real server: its private key, valid Atom 1.0 of the published
posts only, everything escaped, and a renewed key that retires the old address."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import httpx
import pytest

from collab.settings import Settings
from collab.store import Store
from tests.support.data import publish, with_store
from tests.support.web import DemoSchool, blog, browser, csrf_from, page, sign_in_as

pytestmark = pytest.mark.anyio

A = "{http://www.w3.org/2005/Atom}"


def feed_path(settings: Settings, school: DemoSchool, who: str = "parent") -> str:
    """The feed's address as the blog page shows it to ``who`` (path and query)."""
    with browser(settings) as reader:
        sign_in_as(reader, who, school)
        found = re.search(r'id="feed-url" type="url" readonly value="([^"]+)"', blog(reader, school))
    assert found, "the blog page shows no feed address"
    url = urlsplit(html.unescape(found.group(1)))
    return f"{url.path}?{url.query}"


def parse(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{A}feed"
    return root


async def test_a_valid_atom_feed_of_the_published_posts(
    http: httpx.AsyncClient, settings: Settings, school: DemoSchool
) -> None:
    publish(settings, school)  # submitted: not in the feed
    first = publish(settings, school, moderated=False, doc=school.other_pair_doc, title="Premier", body="Un.")
    second = publish(settings, school, moderated=False, doc=school.pair7_doc, title="Second", body="Deux.\n\nTrois.")
    path = feed_path(settings, school)
    assert path.startswith(f"/blog/classe/{school.class_id}/atom?cle=")
    root = parse(await http.get(path))  # no session: the key is enough
    assert root.findtext(f"{A}title") == "Le blog de la classe CM1-CM2 Durand"
    assert (root.findtext(f"{A}id") or "").startswith("urn:uuid:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(f"{A}updated") or "")
    links = {link.get("rel"): link.get("href") or "" for link in root.findall(f"{A}link")}
    assert links["self"].endswith(path) and links["alternate"].endswith(f"/blog/classe/{school.class_id}")
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Second", "Premier"]  # newest first, published only
    newest = entries[0]
    assert newest.findtext(f"{A}content") == "Deux.\n\nTrois."
    assert [c.get("type") for c in newest.findall(f"{A}content")] == ["text"]
    assert [a.findtext(f"{A}name") for a in newest.findall(f"{A}author")] == ["Mila", "Raphaël"]
    assert (newest.findtext(f"{A}id") or "").startswith("urn:uuid:")
    assert newest.findtext(f"{A}published") and newest.findtext(f"{A}updated")
    hrefs = [link.get("href") or "" for e in entries for link in e.findall(f"{A}link")]
    assert [urlsplit(h).path for h in hrefs] == [f"/blog/billet/{second}", f"/blog/billet/{first}"]
    assert len({e.findtext(f"{A}id") for e in entries}) == 2


async def test_the_feed_escapes_everything(http: httpx.AsyncClient, settings: Settings, school: DemoSchool) -> None:
    title = "<script>alert('titre')</script> & Cie"
    body = "</content><script>alert(1)</script>\x01\x0b ]]> fin"
    publish(settings, school, moderated=False, title=title, body=body)
    response = await http.get(feed_path(settings, school))
    assert b"<script>" not in response.content and b"&lt;script&gt;" in response.content
    [entry] = parse(response).findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == title
    assert entry.findtext(f"{A}content") == "</content><script>alert(1)</script> ]]> fin"  # control characters dropped


async def test_a_wrong_or_missing_key_is_a_404(http: httpx.AsyncClient, settings: Settings, school: DemoSchool) -> None:
    publish(settings, school, moderated=False)
    path = feed_path(settings, school)
    key = path.split("cle=")[1]
    for wrong in (
        f"/blog/classe/{school.class_id}/atom",
        f"/blog/classe/{school.class_id}/atom?cle=",
        f"/blog/classe/{school.class_id}/atom?cle={key[:-1]}",
        f"/blog/classe/{school.class_id}/atom?cle={key}x",
        f"/blog/classe/{school.class_id}/atom?cle=%C3%A9t%C3%A9",
        f"/blog/classe/{school.other_class_id}/atom?cle={key}",  # another class's feed with this key
        f"/blog/classe/9999/atom?cle={key}",
    ):
        answer = await http.get(wrong)
        assert answer.status_code == 404, wrong
        assert b"march" not in answer.content


async def test_a_renewed_key_retires_the_old_address(
    http: httpx.AsyncClient, settings: Settings, school: DemoSchool
) -> None:
    old = feed_path(settings, school, "lea")
    assert feed_path(settings, school, "teacher") == old == feed_path(settings, school, "parent")  # one per class
    assert (await http.get(old)).status_code == 200
    with browser(settings) as teacher:
        sign_in_as(teacher, "teacher", school)
        csrf = csrf_from(blog(teacher, school))
        renewed = teacher.post(
            f"/blog/classe/{school.class_id}/atom/nouvelle-cle", data={"csrf": csrf, "retour": "blog"}
        )
        assert renewed.status_code == 303
        assert "l&#39;ancienne ne marche plus" in page(teacher, renewed.headers["location"]).text
    new = feed_path(settings, school)
    assert new != old
    assert (await http.get(old)).status_code == 404
    assert (await http.get(new)).status_code == 200


async def test_at_most_fifty_entries(http: httpx.AsyncClient, settings: Settings, school: DemoSchool) -> None:
    async def many(store: Store) -> None:
        for n in range(55):
            doc = f"feed-{n}"
            await store.documents.ensure_document(doc, f"Texte {n}", class_id=school.class_id)
            await store.blog.publish(
                doc_id=doc,
                class_id=school.class_id,
                pair_id=None,
                task_id=None,
                title=f"Texte {n}",
                body=f"Corps {n}",
                state_vector=b"\x00",
                moderated=False,
            )

    with_store(settings, many)
    entries = parse(await http.get(feed_path(settings, school))).findall(f"{A}entry")
    assert len(entries) == 50
    assert entries[0].findtext(f"{A}title") == "Texte 54" and entries[-1].findtext(f"{A}title") == "Texte 5"


async def test_an_empty_feed_is_valid(http: httpx.AsyncClient, settings: Settings, school: DemoSchool) -> None:
    root = parse(await http.get(feed_path(settings, school)))
    assert root.findall(f"{A}entry") == [] and root.findtext(f"{A}updated")
