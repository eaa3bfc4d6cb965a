"""Recognising files from their first bytes (literal bytes, no files)."""

from __future__ import annotations

import pytest

from collab.mediatheque.types import sniff
from collab.models import MediaKind


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),  # an MPEG-1 layer III frame without tags
        (b"OggS\x00\x02", "audio/ogg"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "audio/webm"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x08\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
    ],
)
def test_known_types(head: bytes, mime: str) -> None:
    found = sniff(head)
    assert found is not None and found.mime == mime


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"MZ\x90\x00",
        b"PK\x03\x04",
        b"<html>",
        b"#!/bin/sh\n",
        b"RIFF\x00\x00\x00\x00AVI ",
        b"\x00\x00\x00\x20ftypqt  ",
    ],
)
def test_everything_else_is_refused(head: bytes) -> None:
    assert sniff(head) is None


def test_kinds() -> None:
    assert sniff(b"OggS")
    assert sniff(b"%PDF-") is not None and sniff(b"%PDF-").kind is MediaKind.PDF  # type: ignore[union-attr]
