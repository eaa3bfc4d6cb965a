"""Word-level differences between a first and a second draft."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from collab.writing.textdiff import Piece, new_text, old_text, tokens, word_diff


def test_tokens_keep_every_character() -> None:
    text = "L'école, c'est  fini !\nÀ demain…"
    words = ["L", "'", "école", ",", " ", "c", "'", "est", "  ", "fini", " ", "!", "\n", "À", " ", "demain", "…"]
    assert tokens(text) == words
    assert "".join(tokens(text)) == text


def test_identical_texts_are_one_piece() -> None:
    assert word_diff("Le chat dort.", "Le chat dort.") == [Piece("same", "Le chat dort.")]
    assert word_diff("", "") == []


def test_a_changed_word() -> None:
    assert word_diff("Le chat noir dort.", "Le chat blanc dort.") == [
        Piece("same", "Le chat "),
        Piece("removed", "noir"),
        Piece("added", "blanc"),
        Piece("same", " dort."),
    ]


def test_an_added_and_a_removed_passage() -> None:
    assert word_diff("Il pleut.", "Il pleut beaucoup.") == [
        Piece("same", "Il pleut"),
        Piece("added", " beaucoup"),
        Piece("same", "."),
    ]
    assert word_diff("Il pleut très fort.", "Il pleut fort.") == [
        Piece("same", "Il pleut "),
        Piece("removed", "très "),
        Piece("same", "fort."),
    ]


def test_punctuation_and_accents_are_changes_of_their_own() -> None:
    pieces = word_diff("Les enfant sont la", "Les enfants sont là.")
    assert [p for p in pieces if p.kind != "same"] == [
        Piece("removed", "enfant"),
        Piece("added", "enfants"),
        Piece("removed", "la"),
        Piece("added", "là."),
    ]


def test_from_nothing_and_to_nothing() -> None:
    assert word_diff("", "Bonjour.") == [Piece("added", "Bonjour.")]
    assert word_diff("Bonjour.", "") == [Piece("removed", "Bonjour.")]


def test_no_two_neighbours_of_one_kind() -> None:
    pieces = word_diff("a b c d e f", "a x c y e z")
    assert all(p.kind != q.kind for p, q in itertools.pairwise(pieces))
    assert all(p.text for p in pieces)


#: Texts made of a few French words and marks, so that two of them share much (as drafts do).
_FRENCH = st.lists(
    st.sampled_from(["le ", "la ", "chat ", "chats ", "Noé ", "é", "à ", ",", ".", "'", "’", "!", " ", "\n", "-"]),
    max_size=30,
).map("".join)


@given(_FRENCH, _FRENCH)
def test_the_pieces_give_back_both_texts(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert old_text(pieces) == old
    assert new_text(pieces) == new
    assert "".join(p.text for p in pieces if p.kind != "added") == old
    assert "".join(p.text for p in pieces if p.kind != "removed") == new


@given(st.text(max_size=200), st.text(max_size=200))
def test_any_unicode_text(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert old_text(pieces) == old and new_text(pieces) == new
    assert all(p.text for p in pieces)


def test_a_huge_rewrite_is_shown_coarsely_but_exactly() -> None:
    # aligned word by word this would take minutes (the test's timeout would fail it)
    old = " ".join(f"mot{i}" for i in range(6000))
    new = " ".join(f"autre{i}" for i in range(6000))
    diff = word_diff("Début. " + old + " Fin.", "Début. " + new + " Fin.")
    assert old_text(diff) == "Début. " + old + " Fin." and new_text(diff) == "Début. " + new + " Fin."
