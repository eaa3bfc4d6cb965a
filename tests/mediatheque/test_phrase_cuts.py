"""Phrases: detection on loudness envelopes and the teacher's edits. Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collab.errors import InvalidInput
from collab.mediatheque.phrases import (
    MIN_GAP_SECONDS,
    Phrase,
    detect_cuts,
    merge_with_next,
    move_cut,
    phrases_of,
    split_at,
)

LOUD, QUIET = 0.3, 0.001


def envelope(*parts: tuple[float, float]) -> list[float]:
    """(level, seconds) runs, 50 windows a second."""
    return [level for level, seconds in parts for _ in range(round(seconds * 50))]


def test_cuts_fall_in_the_middle_of_each_pause() -> None:
    env = envelope((QUIET, 0.5), (LOUD, 3), (QUIET, 1), (LOUD, 4), (QUIET, 2), (LOUD, 3), (QUIET, 0.4))
    assert detect_cuts(env) == [4.0, 9.5]


def test_short_pauses_inside_a_phrase_do_not_cut() -> None:
    env = envelope((LOUD, 2), (QUIET, 0.3), (LOUD, 2), (QUIET, 0.8), (LOUD, 2))
    assert detect_cuts(env) == [4.7]


def test_leading_and_trailing_silence_is_not_a_cut() -> None:
    assert detect_cuts(envelope((QUIET, 3), (LOUD, 3), (QUIET, 3))) == []


def test_one_word_phrases_are_merged_into_the_shorter_neighbour() -> None:
    # 3 s phrase, 1 s pause, a 0.4 s word, 1 s pause, a 5 s phrase
    env = envelope((LOUD, 3), (QUIET, 1), (LOUD, 0.4), (QUIET, 1), (LOUD, 5))
    cuts = detect_cuts(env)
    assert len(cuts) == 1
    assert all(s.end - s.start >= 1.5 for s in phrases_of(cuts, len(env) / 50))


def test_the_threshold_follows_the_recording_noise() -> None:
    noisy = envelope((0.02, 0.5), (0.4, 3), (0.02, 1), (0.4, 3), (0.02, 0.5))
    assert detect_cuts(noisy) == [4.0]


def test_silence_or_steady_sound_is_one_phrase() -> None:
    assert detect_cuts([]) == []
    assert detect_cuts(envelope((0.0, 5))) == []
    assert detect_cuts(envelope((LOUD, 5))) == []


def test_phrases_are_numbered_from_one_and_cover_the_recording() -> None:
    assert phrases_of([2.5, 6.0], 9.0) == [Phrase(1, 0.0, 2.5), Phrase(2, 2.5, 6.0), Phrase(3, 6.0, 9.0)]
    assert phrases_of([], 4.0) == [Phrase(1, 0.0, 4.0)]


def test_move_a_cut_between_its_neighbours() -> None:
    assert move_cut([2.0, 5.0], 0, 2.6, 9.0) == [2.6, 5.0]
    assert move_cut([2.0, 5.0], 1, 8.5, 9.0) == [2.0, 8.5]
    for index, to in ((0, 5.5), (1, 1.0), (1, 9.5), (2, 4.0), (-1, 1.0), (0, float("nan"))):
        with pytest.raises(InvalidInput):
            move_cut([2.0, 5.0], index, to, 9.0)
    with pytest.raises(InvalidInput, match="trop proches"):
        move_cut([2.0, 5.0], 0, 4.9, 9.0)


def test_merge_removes_the_cut_after_a_phrase() -> None:
    assert merge_with_next([2.0, 5.0], 1) == [5.0]
    assert merge_with_next([2.0, 5.0], 2) == [2.0]
    for number in (0, 3, -1):
        with pytest.raises(InvalidInput):
            merge_with_next([2.0, 5.0], number)


def test_split_adds_a_cut_in_order() -> None:
    assert split_at([2.0, 5.0], 3.25, 9.0) == [2.0, 3.25, 5.0]
    assert split_at([], 1.0, 9.0) == [1.0]
    for at in (0.0, 9.0, 12.0, -1.0, float("inf"), 2.1):
        with pytest.raises(InvalidInput):
            split_at([2.0, 5.0], at, 9.0)


@given(st.lists(st.tuples(st.sampled_from([LOUD, QUIET, 0.05]), st.floats(0.02, 4.0)), max_size=30))
def test_detected_cuts_are_always_valid_phrases(parts: list[tuple[float, float]]) -> None:
    env = envelope(*parts)
    duration = len(env) / 50
    cuts = detect_cuts(env)
    assert cuts == sorted(cuts)
    for phrase in phrases_of(cuts, duration):
        assert phrase.end - phrase.start >= min(1.5, duration) - 0.011
        assert phrase.end - phrase.start >= MIN_GAP_SECONDS or not cuts
