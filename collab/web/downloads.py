"""The names of the files Binôme hands out (exports, the médiathèque, a pupil's data), with their
accents kept: ``Content-Disposition`` as RFC 6266 says, an ASCII ``filename`` for old clients
and the whole name in UTF-8 in ``filename*`` (RFC 5987 / 8187). Pure."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: Characters no file system accepts in a name (and controls), replaced by a dash.
_FORBIDDEN = re.compile(r'\s*[\\/:*?"<>|\x00-\x1f\x7f]+\s*')
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._() -]+")
_MAX_CHARS = 120
#: A file extension for each type the médiathèque keeps (collab.mediatheque.types).
EXTENSIONS = {
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "audio/aac": ".aac",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def file_name(stem: str, extension: str) -> str:
    """A name a teacher's computer accepts, as readable as ``stem`` (accents kept)."""
    clean = " ".join(_FORBIDDEN.sub(" - ", stem).split()).strip(" .-")[:_MAX_CHARS].strip(" .-")
    return (clean or "binome") + extension


def ascii_fallback(name: str) -> str:
    """The name without accents, for clients that read only ``filename`` (é → e, œ → oe…)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "OE"))
    plain = decomposed.encode("ascii", "ignore").decode()
    return " ".join(_NOT_PLAIN.sub("_", plain).split()) or "binome"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The header's value: ``attachment`` (saved) or ``inline`` (shown), and the name both ways."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_headers(name: str, *, inline: bool = False) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(name, inline=inline)}
