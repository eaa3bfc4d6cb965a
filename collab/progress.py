"""How far a pair has got in a dictation: the reference words already there, in order. Pure.

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


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def matched_words(expected: Sequence[str], written: Sequence[str]) -> int:
    """How many of the reference words ``expected`` appear in the pupils' ``written`` words, in order."""
    position = matched = 0
    for word in written:
        for k in range(position, min(position + LOOKAHEAD, len(expected))):
            if expected[k] == word:
                matched += 1
                position = k + 1
                break
    return matched
