"""Reading a recording: its exact duration and its loudness envelope, decoded with PyAV (FFmpeg's
decoders, shipped in the wheel), so that every format the médiathèque takes — MP3, Ogg/Opus,
M4A/AAC, WAV and the WebM that browsers record — is read the same way. Blocking: run in a thread."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from operator import mul
from pathlib import Path

import av

from collab.errors import InvalidInput
from collab.mediatheque.phrases import WINDOW_SECONDS

#: Loudness only needs the speech band: decoding to 8 kHz mono keeps it cheap.
_RATE = 8000
_WINDOW = int(_RATE * WINDOW_SECONDS)
#: A dictation lasts minutes; a longer file is refused rather than decoded for ever.
MAX_SECONDS = 2 * 3600

_DAMAGED = "Ce fichier son est abîmé ou d'un format inconnu."


@dataclass(frozen=True, slots=True)
class AudioInfo:
    duration: float
    envelope: list[float]  # RMS (0–1 of full scale) per WINDOW_SECONDS window


def read_audio(path: Path) -> AudioInfo:
    """Decode the whole file; InvalidInput when it is not audio we can play back."""
    envelope: list[float] = []
    pending = array("h")
    samples = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InvalidInput(_DAMAGED)
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    pending.frombytes(bytes(out.planes[0])[: out.samples * 2])
                samples += frame.samples * _RATE // max(frame.sample_rate, 1)
                if samples > MAX_SECONDS * _RATE:
                    raise InvalidInput("Ce son est trop long : deux heures au plus.")
                pending = _windows(pending, envelope)
            for out in resampler.resample(None):
                pending.frombytes(bytes(out.planes[0])[: out.samples * 2])
    except av.FFmpegError as exc:
        raise InvalidInput(_DAMAGED) from exc
    duration = (len(envelope) * _WINDOW + len(pending)) / _RATE
    _windows(pending, envelope, final=True)
    if duration <= 0:
        raise InvalidInput(_DAMAGED)
    return AudioInfo(round(duration, 3), envelope)


def _windows(pending: array[int], envelope: list[float], *, final: bool = False) -> array[int]:
    """Turn whole windows of ``pending`` into RMS values; return what is left over."""
    full = len(pending) // _WINDOW * _WINDOW
    for start in range(0, full, _WINDOW):
        window = pending[start : start + _WINDOW]
        envelope.append(math.sqrt(sum(map(mul, window, window)) / _WINDOW) / 32768)
    rest = pending[full:]
    if final and rest:
        envelope.append(math.sqrt(sum(map(mul, rest, rest)) / len(rest)) / 32768)
    return rest
