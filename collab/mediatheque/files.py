"""The médiathèque's files: checked from their content, stored once by sha256 in the data
directory (``media/ab/abcdef…``); audio is decoded once on the way in for its duration and
its phrases."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Protocol

import anyio

from collab.errors import InvalidInput, MediaTooLarge
from collab.mediatheque.audio import read_audio
from collab.mediatheque.phrases import detect_cuts
from collab.mediatheque.types import SNIFF_BYTES, sniff
from collab.models import MediaKind, StoredFile

_CHUNK = 256 * 1024


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


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
                    "Ce fichier n'est ni un son, ni une image, ni un PDF : déposez un son (MP3, Ogg, M4A, WAV, "
                    "WebM), une image (PNG, JPEG, GIF, WebP) ou un PDF."
                )
            duration: float | None = None
            cuts: tuple[float, ...] = ()
            if media_type.kind is MediaKind.AUDIO:
                duration, cuts = await anyio.to_thread.run_sync(_audio_facts, tmp)
            sha = digest.hexdigest()
            final = self.path_for(sha)
            await anyio.Path(final.parent).mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)  # same content, same name: storing twice keeps one file
        finally:
            if await anyio.Path(tmp).exists():
                await anyio.Path(tmp).unlink()
        return StoredFile(sha, size, media_type, duration, cuts)

    async def detect_cuts(self, sha256: str) -> tuple[float, ...]:
        """Find a stored recording's phrases again (the teacher's "automatic" button)."""
        _, cuts = await anyio.to_thread.run_sync(_audio_facts, self.path_for(sha256))
        return cuts

    async def remove(self, sha256: str) -> None:
        path = anyio.Path(self.path_for(sha256))
        if await path.exists():
            await path.unlink()


def _audio_facts(path: Path) -> tuple[float, tuple[float, ...]]:
    audio = read_audio(path)
    return audio.duration, tuple(detect_cuts(audio.envelope))
