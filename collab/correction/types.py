"""What a dictation correction reports: the categories of errors, their details, one error and the whole
result. Re-exported by :mod:`collab.correction.correct`, the public entry point."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    PUNCTUATION = "punctuation"
    CAPITAL = "capital"
    ACCENT = "accent"
    SEGMENTATION = "segmentation"
    AGREEMENT = "agreement"
    HOMOPHONE = "homophone"
    LEXICAL = "lexical"
    OMISSION = "omission"
    ADDITION = "addition"


class AgreementKind(StrEnum):
    NOUN_GROUP = "noun_group"  # les petit chat, la chat, leur/leurs
    SUBJECT_VERB = "subject_verb"  # ils mange
    PAST_PARTICIPLE = "past_participle"  # elles sont parti, il a finit
    E_ER_EZ = "e_er_ez"  # il a manger, vous mangé


class SegmentationKind(StrEnum):
    APOSTROPHE = "apostrophe"  # larbre, l arbre
    HYPHEN = "hyphen"  # peut être, peutêtre
    SPLIT = "split"  # quelque fois
    MERGE = "merge"  # parcequ'il
    BOUNDARY = "boundary"  # two words cut elsewhere: una vion (un avion)


WORD_ORDER = "word_order"  # detail of the lexical error reported for two swapped words
NOT_IN_LEXICON = "not_in_lexicon"  # detail of a lexical error on a reference word the lexicon does not know


@dataclass(frozen=True, slots=True)
class CorrectionError:
    """One difference. ``start``/``end``: its span in the pupil text; for an omission (or a missing mark) an
    empty span at the end of the pupil's previous token. ``ref_start``/``ref_end``: its span in the reference,
    empty for an addition. ``expected``/``got``: those two substrings. ``detail``: the ``AgreementKind`` of an
    agreement error, the ``SegmentationKind`` of a segmentation error, ``WORD_ORDER`` for swapped words,
    ``NOT_IN_LEXICON`` for a misspelt word the lexicon does not know. A word with several mistakes has one
    error for each (« chemain » for « chemins »: lexical and agreement), with the same spans."""

    category: Category
    expected: str
    got: str
    start: int
    end: int
    ref_start: int
    ref_end: int
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category.value,
            "expected": self.expected,
            "got": self.got,
            "start": self.start,
            "end": self.end,
            "ref_start": self.ref_start,
            "ref_end": self.ref_end,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Correction:
    errors: list[CorrectionError]
    counts: dict[str, int]  # every category, zeros included

    @classmethod
    def from_errors(cls, errors: Iterable[CorrectionError]) -> Correction:
        ordered = sorted(errors, key=lambda e: (e.start, e.end, e.ref_start, e.ref_end))
        found = Counter(error.category for error in ordered)
        return cls(ordered, {category.value: found[category] for category in Category})

    def as_json(self) -> dict[str, object]:
        """The ``collab correct`` output: ``{"errors": [...], "counts": {...}}``."""
        return {"errors": [error.as_json() for error in self.errors], "counts": dict(self.counts)}
