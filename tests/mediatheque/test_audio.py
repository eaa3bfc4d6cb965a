"""Decoding real files of every accepted format: duration and phrase cuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from collab.errors import InvalidInput
from collab.mediatheque.audio import read_audio
from collab.mediatheque.phrases import detect_cuts
from tests.support.audio_samples import EXPECTED_CUTS, SPANS, encode, phrases_wav


@pytest.mark.parametrize("suffix", ["wav", "mp3", "ogg", "webm", "m4a"])
def test_phrases_are_found_in_every_format(tmp_path: Path, suffix: str) -> None:
    wav = phrases_wav(SPANS, 9.5)
    path = tmp_path / f"dictee.{suffix}"
    path.write_bytes(wav if suffix == "wav" else encode(wav, suffix))
    audio = read_audio(path)
    assert audio.duration == pytest.approx(9.5, abs=0.05)
    assert detect_cuts(audio.envelope) == pytest.approx(EXPECTED_CUTS, abs=0.05)


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "abime.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00garbage" * 100)
    with pytest.raises(InvalidInput, match="abîmé"):
        read_audio(path)


def test_a_file_without_sound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vide.wav"
    path.write_bytes(phrases_wav([], 0.0))
    with pytest.raises(InvalidInput):
        read_audio(path)
