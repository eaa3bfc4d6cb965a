"""Replay by phrase: cut a recording into phrases at its silences, and the teacher's edits
(move a cut, merge two phrases, split one). Pure: works on a loudness envelope, not on files.

Phrases are stored as their *cuts*: the times (seconds) between two phrases, each in the middle
of a silence. With cuts ``[c1, c2]`` and a duration ``d`` the phrases are ``0–c1``, ``c1–c2``,
``c2–d``; a cut-less recording is one phrase.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from collab.errors import InvalidInput

#: One loudness value per window of this many seconds (see collab.mediatheque.audio).
WINDOW_SECONDS = 0.02
#: A pause shorter than this is a breath inside a phrase, not the end of one.
MIN_SILENCE_SECONDS = 0.6
#: Shorter phrases are merged into a neighbour: a button per word helps no one.
MIN_PHRASE_SECONDS = 1.5
#: The teacher cannot place two cuts closer than this.
MIN_GAP_SECONDS = 0.3
#: Below this level (dB under full scale) a window is silent whatever the recording.
_ABSOLUTE_FLOOR_DB = -60.0


@dataclass(frozen=True, slots=True)
class Phrase:
    number: int  # 1-based, as shown on the buttons
    start: float
    end: float


def phrases_of(cuts: Sequence[float], duration: float) -> list[Phrase]:
    bounds = [0.0, *cuts, duration]
    return [Phrase(i + 1, round(bounds[i], 2), round(bounds[i + 1], 2)) for i in range(len(bounds) - 1)]


def _db(rms: float) -> float:
    return 20 * math.log10(rms) if rms > 0 else -120.0


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def detect_cuts(
    envelope: Sequence[float],
    *,
    window: float = WINDOW_SECONDS,
    min_silence: float = MIN_SILENCE_SECONDS,
    min_phrase: float = MIN_PHRASE_SECONDS,
) -> list[float]:
    """Cuts in the middle of every long enough silence between two sounds.

    ``envelope`` holds the RMS level (0–1 of full scale) of consecutive windows. The silence
    threshold adapts to the recording: a quarter of the way from its background noise up to its
    speech level, so a noisy classroom recording and a clean one are cut alike.
    """
    if not envelope:
        return []
    levels = [_db(v) for v in envelope]
    ordered = sorted(levels)
    floor, speech = _percentile(ordered, 0.1), _percentile(ordered, 0.95)
    threshold = max(_ABSOLUTE_FLOOR_DB, floor + 0.25 * (speech - floor))
    if speech - floor < 10:  # no clear difference between sound and silence: one phrase
        return []
    silent = [level < threshold for level in levels]
    cuts: list[float] = []
    run_start: int | None = None
    for i, quiet in enumerate([*silent, False]):
        if quiet and run_start is None:
            run_start = i
        elif not quiet and run_start is not None:
            touches_edge = run_start == 0 or i == len(silent)
            if not touches_edge and (i - run_start) * window >= min_silence:
                cuts.append(round((run_start + i) / 2 * window, 2))
            run_start = None
    return _merge_short(cuts, len(envelope) * window, min_phrase)


def _merge_short(cuts: list[float], duration: float, min_phrase: float) -> list[float]:
    """Drop cuts until no phrase is shorter than ``min_phrase``, shortest phrase first."""
    cuts = list(cuts)
    while cuts:
        bounds = [0.0, *cuts, duration]
        lengths = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
        shortest = min(range(len(lengths)), key=lengths.__getitem__)
        if lengths[shortest] >= min_phrase:
            break
        if shortest == 0:
            cuts.pop(0)
        elif shortest == len(lengths) - 1:
            cuts.pop()
        else:  # merge into the shorter neighbour
            left, right = lengths[shortest - 1], lengths[shortest + 1]
            cuts.pop(shortest - 1 if left <= right else shortest)
    return cuts


def _checked(cuts: Sequence[float], duration: float) -> list[float]:
    ordered = sorted(round(c, 2) for c in cuts)
    bounds = [0.0, *ordered, duration]
    for a, b in itertools.pairwise(bounds):
        if b - a < MIN_GAP_SECONDS:
            raise InvalidInput("Deux coupures sont trop proches : laissez au moins 0,3 seconde entre elles.")
    return ordered


def move_cut(cuts: Sequence[float], index: int, to: float, duration: float) -> list[float]:
    """Move the cut that ends phrase ``index + 1``; it must stay between its neighbours."""
    if not 0 <= index < len(cuts) or not math.isfinite(to):
        raise InvalidInput("Cette coupure n'existe pas.")
    low = cuts[index - 1] if index > 0 else 0.0
    high = cuts[index + 1] if index + 1 < len(cuts) else duration
    if not low < to < high:
        raise InvalidInput("Une coupure doit rester entre la précédente et la suivante.")
    return _checked([*cuts[:index], to, *cuts[index + 1 :]], duration)


def merge_with_next(cuts: Sequence[float], phrase_number: int) -> list[float]:
    """Join phrase ``phrase_number`` (1-based) and the one after it."""
    if not 1 <= phrase_number <= len(cuts):
        raise InvalidInput("Il n'y a pas de segment suivant à réunir.")
    return [c for i, c in enumerate(cuts) if i != phrase_number - 1]


def split_at(cuts: Sequence[float], at: float, duration: float) -> list[float]:
    if not math.isfinite(at) or not 0 < at < duration:
        raise InvalidInput("Choisissez un moment à l'intérieur du son pour couper.")
    return _checked([*cuts, at], duration)
