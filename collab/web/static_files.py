"""Static files: a content hash in their URLs, pre-compressed copies, cache headers.

Every file of ``static/`` is read once at start-up and kept in memory with its SHA-256 (the whole
folder is under a megabyte). Templates name a file through ``static_url('dist/room.js')``, which
gives ``/static/dist/room.<hash>.js``: that URL always means these exact bytes, so browsers keep
it for a year without asking again (``immutable``). The plain URL still works and is revalidated
on every use (``no-cache`` + ``ETag``), like a hashed URL whose hash is not the current one (a page
from before an upgrade): the current file, never cached as if it were the old one.

``frontend/build.mjs`` writes a ``.br`` and a ``.gz`` beside each script and style sheet and, in
``static/compressed.json``, the SHA-256 of the file they were made from: a copy made from another
version of its file (edited by hand since the build) is not served, so nobody ever gets old code.
Only names known at start-up are served: no path from a URL ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from starlette._utils import get_route_path  # what starlette's StaticFiles uses under a Mount
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

#: Hex digits of the SHA-256 put in a URL (48 bits: no two versions of a file collide).
HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
#: Where build.mjs records which content each compressed copy was made from.
MANIFEST = "compressed.json"
#: Content codings we keep copies for, best first, with the suffix of their files.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{" + str(HASH_LENGTH) + r"})(?P<ext>\.[A-Za-z0-9]+)$")
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}


@dataclass(frozen=True)
class Asset:
    """One file of static/: its bytes under each content coding ("identity", "br", "gzip")."""

    path: str
    digest: str
    content_type: str
    bodies: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.digest[:HASH_LENGTH]

    @property
    def hashed_path(self) -> str:
        """``dist/room.js`` → ``dist/room.<hash>.js`` (a file without an extension keeps its name)."""
        stem, ext = posixpath.splitext(self.path)
        return f"{stem}.{self.version}{ext}" if ext and stem else self.path


def choose_encoding(accept_encoding: str, available: Mapping[str, bytes]) -> str:
    """The content coding to send: the acceptable one with the highest q, br before gzip at the
    same q; identity when neither is acceptable (or the file has no compressed copy)."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        if name.strip():
            weights[name.strip().lower()] = weight
    best, best_weight = "identity", 0.0
    for encoding, _ in ENCODINGS:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if encoding in available and weight > best_weight:
            best, best_weight = encoding, weight
    return best


def _etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class StaticAssets:
    """The ASGI app mounted at /static (and serving /sw.js), and ``static_url`` for templates."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.assets: dict[str, Asset] = {}
        made_from = self._manifest()
        for file in sorted(self.directory.rglob("*")):
            relative = file.relative_to(self.directory).as_posix()
            if (
                not file.is_file()
                or file.suffix in {suffix for _, suffix in ENCODINGS}
                or any(part.startswith(".") for part in relative.split("/"))
                or relative == MANIFEST
                or not file.resolve().is_relative_to(self.directory)
            ):
                continue
            body = file.read_bytes()
            digest = hashlib.sha256(body).hexdigest()
            bodies = {"identity": body}
            if made_from.get(relative) == digest:
                for encoding, suffix in ENCODINGS:
                    copy = file.with_name(file.name + suffix)
                    if copy.is_file():
                        bodies[encoding] = copy.read_bytes()
            elif relative in made_from:
                log.warning("static/%s changed after its compressed copies were made: sent uncompressed", relative)
            content_type = _TYPES.get(file.suffix.lower(), "application/octet-stream")
            self.assets[relative] = Asset(relative, digest, content_type, bodies)

    def _manifest(self) -> dict[str, str]:
        try:
            loaded = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def hashed(self, path: str) -> str:
        """The versioned path of a file of static/; a name that is not there fails loudly."""
        asset = self.assets.get(path)
        if asset is None:
            raise LookupError(f"no file static/{path}")
        return asset.hashed_path

    def find(self, path: str) -> tuple[Asset, bool] | None:
        """The asset a URL path names, and whether that URL carries its current hash."""
        asset = self.assets.get(path)
        if asset is not None:
            return asset, False
        found = _HASHED.match(path)
        if found is None:
            return None
        asset = self.assets.get(found["stem"] + found["ext"])
        return (asset, found["hash"] == asset.version) if asset is not None else None

    def url_function(self) -> Callable[..., str]:
        """The Jinja global ``static_url('css/site.css')``: the one way templates name a static file."""

        @jinja2.pass_context
        def static_url(context: jinja2.runtime.Context, path: str) -> str:
            request = context.get("request")
            hashed = self.hashed(path)
            return str(request.url_for("static", path=hashed)) if request is not None else f"/static/{hashed}"

        return static_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.find(get_route_path(scope).removeprefix("/"))
        if found is None:
            raise HTTPException(404)
        asset, immutable = found
        await self.send(scope, send, asset, IMMUTABLE if immutable else REVALIDATE)

    async def send(
        self, scope: Scope, send: Send, asset: Asset, cache_control: str, extra: Mapping[str, str] | None = None
    ) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        headers = Headers(scope=scope)
        encoding = choose_encoding(headers.get("accept-encoding", ""), asset.bodies)
        body = asset.bodies[encoding]
        etag = f'"{asset.version}"' if encoding == "identity" else f'"{asset.version}-{encoding}"'
        answer = {"cache-control": cache_control, "etag": etag, **(extra or {})}
        if len(asset.bodies) > 1:
            answer["vary"] = "Accept-Encoding"
        if _etag_matches(headers.get("if-none-match", ""), etag):
            await self._send(send, 304, answer, b"")
            return
        answer["content-type"] = asset.content_type
        answer["content-length"] = str(len(body))
        if encoding != "identity":
            answer["content-encoding"] = encoding
        await self._send(send, 200, answer, body if scope["method"] == "GET" else b"")

    @staticmethod
    async def _send(send: Send, status: int, headers: Mapping[str, str], body: bytes) -> None:
        raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


class OneFile:
    """An ASGI app serving one file of static/ at another URL (the service worker at /sw.js,
    whose place decides which pages it may serve), revalidated on every use."""

    def __init__(self, assets: StaticAssets, path: str, headers: Mapping[str, str]) -> None:
        self.assets = assets
        self.asset = assets.assets[path]
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.assets.send(scope, send, self.asset, REVALIDATE, self.headers)
