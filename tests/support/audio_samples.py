"""Generated recordings for the tests: tones where a voice would speak, quiet noise between."""

from __future__ import annotations

import io
import math
import random
import struct
import wave
from collections.abc import Sequence

import av

RATE = 16000


def phrases_wav(spans: Sequence[tuple[float, float]], total: float, *, rate: int = RATE) -> bytes:
    """A WAV file of ``total`` seconds: a 300 Hz tone (with a 5 Hz wobble, like a voice) during
    each (start, end) span, faint noise elsewhere (a real room is never silent)."""
    noise = random.Random(7)
    samples = []
    for i in range(int(total * rate)):
        t = i / rate
        value = noise.gauss(0, 40)
        if any(start <= t < end for start, end in spans):
            value += 9000 * (0.7 + 0.3 * math.sin(2 * math.pi * 5 * t)) * math.sin(2 * math.pi * 300 * t)
        samples.append(max(-32768, min(32767, int(value))))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


def tone_wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A real WAV file: one tone from start to end."""
    return phrases_wav([(0.0, seconds)], seconds, rate=rate)


#: container format, codec and file name suffix of what browsers and phones produce
FORMATS = {
    "mp3": ("mp3", "libmp3lame", 44100),
    "ogg": ("ogg", "libopus", 48000),
    "webm": ("webm", "libopus", 48000),
    "m4a": ("ipod", "aac", 44100),
}


def encode(wav: bytes, suffix: str) -> bytes:
    """Re-encode a WAV file as an MP3, Ogg/Opus, WebM/Opus or M4A/AAC file."""
    container_format, codec, rate = FORMATS[suffix]
    out_buffer = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out_buffer, "w", format=container_format) as target:
        stream = target.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.codec_context.codec.audio_formats[0].name, layout="mono", rate=rate)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                target.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            target.mux(stream.encode(converted))
        target.mux(stream.encode(None))
    return out_buffer.getvalue()


# Three phrases separated by one-second pauses: the cuts belong in the middle of the pauses.
SPANS = [(0.3, 2.3), (3.3, 5.8), (6.8, 8.8)]


EXPECTED_CUTS = [2.8, 6.3]
