"""Dictation progress on the dashboard: reference words already written, in order. Pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collab.dashboard.progress import Progress, matched_words, words

REFERENCE = words("Chaque samedi matin, le marché s'installe sur la place du village.")


def test_case_and_punctuation_do_not_count() -> None:
    assert matched_words(REFERENCE, words("chaque Samedi matin le marché s'installe")) == 6


def test_a_left_out_word_does_not_stop_the_count() -> None:
    assert matched_words(REFERENCE, words("Chaque matin, le marché s'installe sur la place")) == 8


def test_added_and_misspelt_words_do_not_match() -> None:
    assert matched_words(REFERENCE, words("Chaque chaque samedis matin le le marcher")) == 3


def test_nothing_written_or_nothing_to_match() -> None:
    assert matched_words(REFERENCE, words("")) == 0
    assert matched_words([], words("Chaque samedi")) == 0
    assert matched_words(REFERENCE, words("Tout autre chose ici")) == 0


def test_words_keep_apostrophes_and_hyphens() -> None:
    assert words("Ma grand-mère s’installe.") == ["ma", "grand-mère", "s'installe"]


@given(st.lists(st.tuples(st.booleans(), st.text("abcé marchélagsn,.’' -", max_size=8)), max_size=40))
def test_following_a_text_counts_like_counting_from_scratch(edits: list[tuple[bool, str]]) -> None:
    """Typing at the end (the fast path) or anywhere else: always the counts of the whole text."""
    progress = Progress(REFERENCE)
    text = ""
    for at_end, piece in edits:
        text = text + piece if at_end else piece + text[len(piece) :]
        written = words(text)
        assert progress.update(text) == (len(written), matched_words(REFERENCE, written))


def test_typing_a_dictation_word_by_word() -> None:
    progress = Progress(REFERENCE)
    typed = ""
    for chunk in ["Cha", "que sam", "edi ma", "tin, le marc", "hé s'ins", "talle"]:
        typed += chunk
        counted = progress.update(typed)
    assert counted == (6, 6)
