"""The médiathèque's files: checked from their content, stored once by sha256 in the data
directory (``media/ab/abcdef…``), with the duration read from the audio (mutagen)."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio
import mutagen
from mutagen import MutagenError

from collab.errors import InvalidInput, TooLarge
from collab.media_types import SNIFF_BYTES, MediaKind, MediaType, sniff

_CHUNK = 256 * 1024


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


class MediaTooLarge(TooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file over {limit} bytes")
        self.public_message = f"Ce fichier est trop gros : {limit // (1024 * 1024)} Mo au plus."


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    type: MediaType
    duration: float | None


class MediaLibrary:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    async def store(self, source: Readable) -> StoredFile:
        """Copy an upload into the library; refuse what is too large or not a known type."""
        tmp_dir = self.root / "tmp"
        await anyio.Path(tmp_dir).mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / secrets.token_hex(8)
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            async with await anyio.open_file(tmp, "wb") as out:
                while chunk := await source.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaTooLarge(self.max_bytes)
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    digest.update(chunk)
                    await out.write(chunk)
            media_type = sniff(head)
            if media_type is None:
                raise InvalidInput(
                    "Ce type de fichier n'est pas accepté : déposez un son (MP3, Ogg, M4A, WAV, WebM), "
                    "une image (PNG, JPEG, GIF, WebP) ou un PDF."
                )
            duration = (
                await anyio.to_thread.run_sync(_audio_duration, tmp) if media_type.kind is MediaKind.AUDIO else None
            )
            sha = digest.hexdigest()
            final = self.path_for(sha)
            await anyio.Path(final.parent).mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)  # same content, same name: storing twice keeps one file
        finally:
            if await anyio.Path(tmp).exists():
                await anyio.Path(tmp).unlink()
        return StoredFile(sha, size, media_type, duration)

    async def remove(self, sha256: str) -> None:
        path = anyio.Path(self.path_for(sha256))
        if await path.exists():
            await path.unlink()


def _audio_duration(path: Path) -> float | None:
    """Seconds of audio; InvalidInput when the file is not readable audio.

    WebM (what browsers record) has no duration mutagen can read: the player finds it.
    """
    with path.open("rb") as f:
        if f.read(4) == b"\x1a\x45\xdf\xa3":
            return None
    try:
        audio = mutagen.File(path)
    except (MutagenError, ValueError, OSError) as exc:
        raise InvalidInput("Ce fichier son est abîmé ou d'un format inconnu.") from exc
    if audio is None or getattr(audio, "info", None) is None or not audio.info.length:
        raise InvalidInput("Ce fichier son est abîmé ou d'un format inconnu.")
    return float(audio.info.length)
