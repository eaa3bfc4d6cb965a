"""The class blog's private Atom feed, for families' apps: no session, the class's secret key in
the address authorises; its teachers renew the key (the old address stops working).
"""

from __future__ import annotations

import re
import secrets
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from collab.blog.common import managed_class, post_authors, redirect_back
from collab.errors import NotFound
from collab.models import Post
from collab.web.access import posted
from collab.web.pages import path_id, store_of

FEED_MAX_ENTRIES = 50
_ATOM = "http://www.w3.org/2005/Atom"
#: Characters XML 1.0 cannot carry (a pasted control character must not break families' apps).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _rfc3339(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _urn(url: str) -> str:
    """A stable Atom id for a page of this server."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def atom_feed(
    *, title: str, blog_url: str, self_url: str, posts: list[Post], authors: dict[int, list[str]], post_url: Any
) -> bytes:
    """Atom 1.0 of published posts (newest first); ElementTree escapes every text."""
    feed = ET.Element("feed", {"xmlns": _ATOM, "{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    _child(feed, "id", _urn(blog_url))
    _child(feed, "title", title)
    newest = max((p.published_at or p.created_at for p in posts), default=0.0)
    _child(feed, "updated", _rfc3339(newest))
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _child(feed, "link", rel="alternate", type="text/html", href=blog_url)
    _child(_child(feed, "author"), "name", title)
    _child(feed, "generator", "Binôme")
    for post in posts:
        url = str(post_url(post.id))
        entry = _child(feed, "entry")
        _child(entry, "id", _urn(url))
        _child(entry, "title", post.title)
        for name in authors.get(post.id, []):
            _child(_child(entry, "author"), "name", name)
        when = _rfc3339(post.published_at or post.created_at)
        _child(entry, "published", when)
        _child(entry, "updated", when)
        _child(entry, "link", rel="alternate", type="text/html", href=url)
        _child(entry, "content", post.body, type="text")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


async def feed_url(request: Request, class_id: int) -> str:
    """The feed's address with the class's key (made on first use), shown on the blog's page."""
    key = await store_of(request).blog.ensure_feed_key(class_id)
    return f"{request.url_for('class_feed', class_id=class_id)}?{urlencode({'cle': key})}"


async def class_feed(request: Request) -> Response:
    """GET ``?cle=KEY``: no session; the class's private key authorises. Anything wrong is a 404."""
    store = store_of(request)
    klass = await store.schools.get_class(path_id(request, "class_id"))
    given = request.query_params.get("cle", "").encode()
    expected = await store.blog.feed_key(klass.id) if klass is not None else None
    if klass is None or klass.archived or expected is None or not secrets.compare_digest(given, expected.encode()):
        raise NotFound("no such feed")
    posts = await store.blog.posts_of_class(klass.id, with_submitted=False, limit=FEED_MAX_ENTRIES)
    body = atom_feed(
        title=f"Le blog de la classe {klass.name}",
        blog_url=str(request.url_for("class_blog", class_id=klass.id)),
        self_url=str(request.url),
        posts=posts,
        authors=await post_authors(store, posts),
        post_url=lambda post_id: request.url_for("blog_post", post_id=post_id),
    )
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


async def renew_feed_key(request: Request) -> Response:
    asker, form = await posted(request)
    klass = await managed_class(asker, path_id(request, "class_id"))
    await asker.store.blog.renew_feed_key(klass.id)
    return redirect_back(request, form, klass.id, None, "cle")
