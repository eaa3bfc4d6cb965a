"""What the teacher does with an automatic correction: override it, and mark it. Pure.

Marking schemes (:class:`Scheme`):

- ``counts`` (the default): the number of errors per category, no single score.
- ``classic``: the French traditional fault count. One fault per wrong word, half a fault for an accent, a
  capital or a hyphen, at most one fault per reference word (the half faults of one word add up, then the
  word is capped at one: "Élève" for "élève"... is ½, "Eléves" for "élèves" is 1); every missing, extra or
  wrong punctuation mark is one fault, every added word one fault. The mark is ``max(0, out_of - per_fault ×
  faults)``: 10 − faults by default, ``Bareme(20, 2)`` for the 20 − 2 × faults of many schools.
- ``weighted``: a configurable weight per category (:data:`DEFAULT_WEIGHTS`), summed; marked with the same
  bareme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from collab.correction.correct import Category, Correction, CorrectionError, SegmentationKind


class Scheme(StrEnum):
    COUNTS = "counts"
    CLASSIC = "classic"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class Bareme:
    """How faults become a mark: ``max(0, out_of - per_fault × faults)``."""

    out_of: float = 10.0
    per_fault: float = 1.0

    def mark(self, faults: float) -> float:
        return max(0.0, self.out_of - self.per_fault * faults)


@dataclass(frozen=True)
class Score:
    scheme: Scheme
    faults: float  # counts: the number of errors
    per_category: dict[str, float]  # every category, zeros included
    mark: float | None  # None for the counts scheme
    out_of: float | None


HALF_FAULT = 0.5
MAX_FAULTS_PER_WORD = 1.0
DEFAULT_WEIGHTS: Mapping[Category, float] = {
    Category.PUNCTUATION: 0.5,
    Category.CAPITAL: 0.5,
    Category.ACCENT: 0.5,
    Category.SEGMENTATION: 0.5,
    Category.AGREEMENT: 1.0,
    Category.HOMOPHONE: 1.0,
    Category.LEXICAL: 1.0,
    Category.OMISSION: 1.0,
    Category.ADDITION: 1.0,
}


def classic_weight(error: CorrectionError) -> float:
    """½ for an accent, a capital or a hyphen; 1 for anything else."""
    if error.category in (Category.ACCENT, Category.CAPITAL):
        return HALF_FAULT
    if error.category is Category.SEGMENTATION and error.detail == SegmentationKind.HYPHEN:
        return HALF_FAULT
    return 1.0


def _zeros() -> dict[str, float]:
    return {category.value: 0.0 for category in Category}


def classic_faults(correction: Correction) -> dict[str, float]:
    """Faults per category under the classic count, capped at one per reference word."""
    per_category = _zeros()
    by_word: dict[int, list[CorrectionError]] = {}
    for error in correction.errors:
        if error.category is Category.PUNCTUATION or error.ref_start == error.ref_end:
            per_category[error.category.value] += classic_weight(error)  # marks and added words: each counts
        else:
            by_word.setdefault(error.ref_start, []).append(error)
    for errors in by_word.values():
        room = MAX_FAULTS_PER_WORD
        for error in sorted(errors, key=classic_weight, reverse=True):  # the heaviest error takes the fault
            taken = min(room, classic_weight(error))
            per_category[error.category.value] += taken
            room -= taken
    return per_category


def weighted_faults(correction: Correction, weights: Mapping[str, float] | None = None) -> dict[str, float]:
    chosen = {category.value: weight for category, weight in DEFAULT_WEIGHTS.items()}
    for name, weight in (weights or {}).items():
        chosen[Category(name).value] = weight  # ValueError for an unknown category
    return {name: chosen[name] * count for name, count in correction.counts.items()}


def score(
    correction: Correction,
    scheme: Scheme | str = Scheme.COUNTS,
    weights: Mapping[str, float] | None = None,
    bareme: Bareme = Bareme(),
) -> Score:
    """Mark a correction. ``weights`` (category -> weight, defaults for the others) is for ``weighted``."""
    chosen = Scheme(scheme)
    if chosen is Scheme.COUNTS:
        per_category = {name: float(count) for name, count in correction.counts.items()}
        return Score(chosen, float(sum(correction.counts.values())), per_category, None, None)
    per_category = classic_faults(correction) if chosen is Scheme.CLASSIC else weighted_faults(correction, weights)
    faults = sum(per_category.values())
    return Score(chosen, faults, per_category, bareme.mark(faults), bareme.out_of)


def decision_of(
    error: CorrectionError, overrides: Mapping[tuple[int, int, str], str | None]
) -> tuple[bool, str | None]:
    """Whether the teacher decided about ``error``, and what: a category, or None (not a mistake).
    A choice names its mistake by span and automatic category; one with an empty category (made
    before a word could carry two mistakes) is about every mistake of its span."""
    for key in ((error.start, error.end, error.category.value), (error.start, error.end, "")):
        if key in overrides:
            return True, overrides[key]
    return False, None


def apply_overrides(correction: Correction, overrides: Mapping[tuple[int, int, str], str | None]) -> Correction:
    """The teacher's decisions (see :func:`decision_of`): an error gets its new category, or is left
    out when it is not an error (accepted); the other mistakes of the same word keep theirs. Counts
    are recomputed."""
    errors: list[CorrectionError] = []
    for error in correction.errors:
        decided, decision = decision_of(error, overrides)
        if not decided:
            errors.append(error)
            continue
        if decision is None:
            continue
        category = Category(decision)  # ValueError for an unknown category
        errors.append(error if category is error.category else replace(error, category=category, detail=""))
    return Correction.from_errors(errors)
