"""The tokens of a dictation: words and punctuation marks with their character offsets in the original text.

Typographic apostrophes count as "'", "œ"/"æ" as "oe"/"ae" (tablets can hardly type them: not an error),
"..." as "…", every kind of quote as one mark, every dash as one mark. An elided word is its own token ("l'"
"arbre") unless the lexicon knows the whole spelling ("aujourd'hui"); hyphenated words stay whole
("peut-être", "dit-il").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from collab.correction import lexicon

_LETTER = r"[^\W_][\u0300-\u036f]*"
_TOKEN = re.compile(rf"(?P<word>(?:{_LETTER})+(?:['’ʼ‘-](?:{_LETTER})+)*['’ʼ‘]?)|\.\.\.|\S")
_TYPOGRAPHY = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})
_MARKS = {"...": "…", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‹": '"', "›": '"', "—": "-", "–": "-"}
_ELISIONS = frozenset({"qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu", "quelqu", "entr", *"cçdjlmnst"})
SEPARATORS = str.maketrans("", "", "'- ")  # str.translate table deleting apostrophes, hyphens and spaces
_APOSTROPHES = "'’ʼ‘"


def normal_text(text: str) -> str:
    """NFC, typographic apostrophes as "'", ligatures spelled out; case kept."""
    return unicodedata.normalize("NFC", text).translate(_TYPOGRAPHY)


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Token:
    raw: str  # as typed
    start: int
    end: int
    is_word: bool
    text: str  # normal_text(raw); for a mark, its class ("…", '"', "-", …)
    lower: str  # text.lower()
    key: str  # words: lower case, no accents, apostrophes or hyphens; marks: the class

    @property
    def elided(self) -> bool:
        return self.is_word and self.text.endswith("'")


def _word_token(raw: str, start: int) -> Token:
    text = normal_text(raw)
    lower = text.lower()
    return Token(raw, start, start + len(raw), True, text, lower, strip_accents(lower).translate(SEPARATORS))


def _mark_token(raw: str, start: int) -> Token:
    mark = _MARKS.get(raw, normal_text(raw))
    return Token(raw, start, start + len(raw), False, mark, mark, mark)


def _split_word(raw: str, start: int) -> list[Token]:
    """Split "l'arbre" into "l'" "arbre", "c'est-à-dire" into "c'" "est-à-dire" (but the lexicon's "aujourd'hui"
    stays whole), and "bonjour'" into "bonjour" "'"."""
    text = normal_text(raw)
    if "'" not in text or ("'" in text[:-1] and "-" not in text and lexicon.known(text)):
        return [_word_token(raw, start)]
    cut = next(i for i, ch in enumerate(raw) if ch in _APOSTROPHES) + 1
    if cut < len(raw):
        return [_word_token(raw[:cut], start), *_split_word(raw[cut:], start + cut)]
    if text[:-1].lower() in _ELISIONS:
        return [_word_token(raw, start)]
    return [_word_token(raw[:-1], start), _mark_token(raw[-1], start + len(raw) - 1)]  # a closing quote


def tokenise(text: str) -> list[Token]:
    tokens: list[Token] = []
    for found in _TOKEN.finditer(text):
        if found.group("word"):
            tokens.extend(_split_word(found.group(), found.start()))
        elif unicodedata.category(found.group()[0]).startswith("C"):
            continue  # byte-order mark, zero-width space, control character: not a mark
        else:
            tokens.append(_mark_token(found.group(), found.start()))
    return tokens
