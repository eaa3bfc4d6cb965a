"""How far a pair has got in a dictation: the reference words already there, in order. Pure.

Words are compared without case and without the punctuation around them, so that a pair is not
"behind" for a comma; the dictation correction (later) is where every difference counts."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def matched_words(reference: str, text: str) -> tuple[int, int]:
    """(reference words found in order in ``text``, reference words in all)."""
    expected, written = words(reference), words(text)
    if not expected or not written:
        return 0, len(expected)
    matcher = SequenceMatcher(None, expected, written, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()), len(expected)
