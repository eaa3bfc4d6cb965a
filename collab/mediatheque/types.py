"""What a file really is, from its first bytes (never from its name). Pure."""

from __future__ import annotations

from collab.models import MediaKind, MediaType

# Enough bytes to see every signature below.
SNIFF_BYTES = 64

_M4A_BRANDS = (
    b"M4A ",
    b"M4B ",
    b"mp42",
    b"mp41",
    b"isom",
    b"iso2",
    b"iso5",
    b"iso6",
    b"dash",
    b"3gp4",
    b"3gp5",
    b"MSNV",
)


def sniff(head: bytes) -> MediaType | None:
    """The media type these first bytes announce, or None for anything we do not accept."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return MediaType(MediaKind.AUDIO, "audio/mpeg", "son MP3")
    if head.startswith(b"OggS"):
        return MediaType(MediaKind.AUDIO, "audio/ogg", "son Ogg")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return MediaType(MediaKind.AUDIO, "audio/wav", "son WAV")
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return MediaType(MediaKind.AUDIO, "audio/mp4", "son M4A")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaType(MediaKind.AUDIO, "audio/webm", "son WebM")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return MediaType(MediaKind.AUDIO, "audio/aac", "son AAC")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType(MediaKind.IMAGE, "image/png", "image PNG")
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType(MediaKind.IMAGE, "image/jpeg", "image JPEG")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType(MediaKind.IMAGE, "image/gif", "image GIF")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType(MediaKind.IMAGE, "image/webp", "image WebP")
    if head.startswith(b"%PDF-"):
        return MediaType(MediaKind.PDF, "application/pdf", "document PDF")
    return None
