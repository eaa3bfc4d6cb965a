"""How far a pair has got in a dictation: the reference words already there, in order. Pure.

``Progress`` follows one pair's text as it grows: typing at the end (the usual case) only looks at
the new words, so that the dashboard can count on every change; any other edit counts again.

Words are compared without case and without the punctuation around them, so that a pair is not
"behind" for a comma (the dictation correction is where every difference counts). The alignment
is greedy with a short look-ahead: a skipped word or two does not stop the count, an added word
simply does not match. It runs on every change of every pair's text, so it must stay linear."""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
#: How many reference words a pupil may have left out before the next one still counts.
LOOKAHEAD = 5


def _normal(word: str) -> str:
    return word.lower().replace("’", "'")


def words(text: str) -> list[str]:
    return [_normal(w) for w in _WORD.findall(text)]


def advance(expected: Sequence[str], written: Sequence[str], position: int = 0, matched: int = 0) -> tuple[int, int]:
    """Align ``written`` words after ``position`` in the reference: (new position, words matched)."""
    end = len(expected)
    for word in written:
        for k in range(position, min(position + LOOKAHEAD, end)):
            if expected[k] == word:
                matched += 1
                position = k + 1
                break
    return position, matched


def matched_words(expected: Sequence[str], written: Sequence[str]) -> int:
    """How many of the reference words ``expected`` appear in the pupils' ``written`` words, in order."""
    return advance(expected, written)[1]


class Progress:
    """Words written and reference words matched, for one text that changes a little at a time."""

    def __init__(self, expected: Sequence[str]) -> None:
        self.expected = expected
        self._reset()

    def _reset(self) -> None:
        # Everything before the last word of the text counted so far: that last word may still
        # grow ("marc" becomes "marché"), the ones before it are settled.
        self._settled_text = ""
        self._settled_words = 0
        self._position = 0
        self._matched = 0

    def update(self, text: str) -> tuple[int, int]:
        """(words in ``text``, reference words matched in order)."""
        if text.startswith(self._settled_text):
            base, found = len(self._settled_text), self._settled_words
        else:  # an edit before the end: count again from the start
            self._reset()
            base, found = 0, 0
        spans = list(_WORD.finditer(text, base))
        if not spans:
            return found, self._matched
        written = [_normal(m.group()) for m in spans]
        self._position, self._matched = advance(self.expected, written[:-1], self._position, self._matched)
        self._settled_words = found + len(written) - 1
        self._settled_text = text[: spans[-1].start()]
        _, matched = advance(self.expected, written[-1:], self._position, self._matched)  # the last word may still grow
        return self._settled_words + 1, matched
