"""The follow-up's pure parts: annotations that follow their words, the dictation texts of a
task's groups, the pieces of an annotated text."""

from __future__ import annotations

from collab.followup.productions import anchored, pieces
from collab.models import Annotation


def note(start: int, quote: str, kind: str = "autre") -> Annotation:
    return Annotation(1, "d", start, start + len(quote), quote, kind, "", 0.0)


def test_an_annotation_follows_its_words_when_the_text_moves() -> None:
    text = "Le chat dort. Le chien court."
    moved = "Ce matin, le chat dort. Le chien court."
    [kept] = anchored(text, [note(text.index("chien"), "chien")])
    assert text[kept.start : kept.end] == "chien"
    [placed] = anchored(moved, [note(text.index("chien"), "chien")])
    assert moved[placed.start : placed.end] == "chien"


def test_the_nearest_occurrence_wins_and_lost_words_are_left_out() -> None:
    text = "il court, il court encore"
    second = text.rindex("court")
    [placed] = anchored("Oh " + text, [note(second, "court")])
    assert placed.start == second + len("Oh ")
    assert anchored("tout a changé", [note(0, "court")]) == []


def test_pieces_cover_the_text_exactly() -> None:
    text = "Le chat dort."
    cut = pieces(text, [], [note(3, "chat")])
    assert "".join(p.text for p in cut) == text
    assert [p.notes for p in cut] == [(), (0,), ()]
