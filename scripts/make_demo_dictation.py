"""Regenerate demo/dictee-le-marche.mp3 from collab.demo.dictation.PHRASES.

Needs espeak-ng (Debian: ``apt-get install espeak-ng``); the result is committed, so running
Binôme never needs it. Each phrase is spoken by espeak-ng's French voice, slowly, then followed by
a pause long enough for the médiathèque to cut the recording into one button per phrase.

    .venv/bin/python scripts/make_demo_dictation.py
"""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from pathlib import Path

import av

from collab.demo.dictation import AUDIO_FILE, PHRASES

OUT = Path(__file__).resolve().parent.parent / "demo" / AUDIO_FILE
PAUSE_SECONDS = 1.6
RATE = 22050  # espeak-ng's own rate


def speak(text: str) -> bytes:
    """Mono 16-bit samples of ``text`` read slowly in French."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "fr", "-s", "115", "-g", "3", "--stdout", text], check=True, capture_output=True
    ).stdout
    with wave.open(io.BytesIO(wav)) as source:
        assert source.getframerate() == RATE and source.getnchannels() == 1 and source.getsampwidth() == 2
        return source.readframes(source.getnframes())


def main() -> int:
    silence = b"\x00\x00" * int(PAUSE_SECONDS * RATE)
    samples = silence[: len(silence) // 3] + b"".join(speak(p) + silence for p in PHRASES)
    with av.open(str(OUT), "w", format="mp3") as target:
        stream = target.add_stream("libmp3lame", rate=RATE, layout="mono")
        stream.bit_rate = 40_000
        frame_size = 1152
        for start in range(0, len(samples), frame_size * 2):
            chunk = samples[start : start + frame_size * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk)
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    print(f"{OUT}: {OUT.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
