"""Word-level differences between two versions of a text (a first and a second draft). Pure.

The texts are cut into tokens that together give the text back exactly: words, runs of
whitespace, and each punctuation mark on its own. ``difflib.SequenceMatcher`` aligns the
two token lists; the result is a list of pieces, each kept, added or removed, so that

* the kept and added pieces, joined, are the new text;
* the kept and removed pieces, joined, are the old text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

PieceKind = Literal["same", "added", "removed"]

#: A word (letters with their accents, digits), a run of whitespace, or one other character.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
#: Above this many token pairs to compare (about 2,000 changed words on each side), the middle of
#: the texts is not aligned word by word (it would take seconds).
MAX_COMPARED = 4_000_000


@dataclass(frozen=True, slots=True)
class Piece:
    kind: PieceKind
    text: str


def tokens(text: str) -> list[str]:
    """``text`` cut into words, whitespace runs and single punctuation marks (lossless)."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Piece]:
    """The changes from ``old`` to ``new``, word by word; consecutive pieces of one kind are merged,
    and where a passage was replaced, the removed piece comes before the added one."""
    a, b = tokens(old), tokens(new)
    # Most of a second draft is unchanged: align only the middle, between the common ends.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    pieces: list[Piece] = []
    _add(pieces, "same", a[:start])
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if len(middle_a) * len(middle_b) > MAX_COMPARED:
        # Too much changed to align in reasonable time (difflib grows quadratically): the whole
        # middle shows as rewritten, which is still exact, just coarser.
        _add(pieces, "removed", middle_a)
        _add(pieces, "added", middle_b)
        _add(pieces, "same", a[len(a) - end :])
        return pieces
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, "same", middle_a[i1:i2])
        else:  # "replace", "delete" or "insert"
            _add(pieces, "removed", middle_a[i1:i2])
            _add(pieces, "added", middle_b[j1:j2])
    _add(pieces, "same", a[len(a) - end :])
    return pieces


def _add(pieces: list[Piece], kind: PieceKind, words: list[str]) -> None:
    text = "".join(words)
    if not text:
        return
    if pieces and pieces[-1].kind == kind:
        pieces[-1] = Piece(kind, pieces[-1].text + text)
    else:
        pieces.append(Piece(kind, text))


def old_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.kind != "added")


def new_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.kind != "removed")
