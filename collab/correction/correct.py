"""Dictation correction: align the pupil's text to the reference and classify every difference. Pure
(the only I/O is the lexicon, loaded once). The public entry point is :func:`correct`; the steps live in
their own modules:

1. **Tokens** (:mod:`collab.correction.tokens`): both texts become words and punctuation marks with their
   character offsets in the original strings; typographic variants are not errors.
2. **Alignment** (:mod:`collab.correction.alignment`): a character-weighted edit distance over the two token
   sequences with splits, merges and swaps, anchored on unique n-grams in long texts, so that a missing word
   never shifts the later ones. Words related in the lexicon (:mod:`collab.correction.relations`: same lemma,
   same sound) or spelled to sound alike cost little to substitute.
3. **Classification** (:mod:`collab.correction.classification`) of each aligned group: punctuation, capital,
   segmentation, accent, agreement, homophone, lexical (detail ``word_order`` for two swapped words,
   ``not_in_lexicon`` for a word the lexicon does not know); a reference word with no counterpart is an
   omission, a pupil word with none an addition. A word may carry several errors with the same span: a capital,
   a segmentation, and a misspelt stem with a wrong ending (:mod:`collab.correction.endings`).
4. Teacher-accepted pairs ``(expected, got)`` are dropped last.

What a correction reports (:class:`Category`, :class:`CorrectionError`, :class:`Correction`, …) lives in
:mod:`collab.correction.types` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Collection

from collab.correction.alignment import Move, Step, align
from collab.correction.classification import group_findings
from collab.correction.tokens import Token, normal_text, tokenise
from collab.correction.types import (
    WORD_ORDER,
    AgreementKind,
    Category,
    Correction,
    CorrectionError,
    SegmentationKind,
)

__all__ = [
    "WORD_ORDER",
    "AgreementKind",
    "Category",
    "Correction",
    "CorrectionError",
    "SegmentationKind",
    "Token",
    "correct",
    "tokenise",
]


class _ErrorCollector:
    """Turns alignment steps into errors with offsets in both texts."""

    def __init__(self, reference: str, text: str, ref: list[Token], pupil: list[Token]) -> None:
        self.reference, self.text, self.ref, self.pupil = reference, text, ref, pupil

    def errors(self, steps: list[Step]) -> list[CorrectionError]:
        errors: list[CorrectionError] = []
        ref_at = pupil_at = 0  # insertion points: the end of the last token consumed
        for step in steps:
            ref_tokens = [self.ref[i] for i in step.ref]
            pupil_tokens = [self.pupil[j] for j in step.pupil]
            errors += self._step_errors(step, ref_tokens, pupil_tokens, ref_at, pupil_at)
            ref_at = max([ref_at, *(t.end for t in ref_tokens)])
            pupil_at = max([pupil_at, *(t.end for t in pupil_tokens)])
        return errors

    def _step_errors(
        self, step: Step, ref: list[Token], pupil: list[Token], ref_at: int, pupil_at: int
    ) -> list[CorrectionError]:
        if step.move is Move.DELETE:
            category = Category.OMISSION if ref[0].is_word else Category.PUNCTUATION
            return [self._error(category, "", ref, [], ref_at, pupil_at)]
        if step.move is Move.INSERT:
            category = Category.ADDITION if pupil[0].is_word else Category.PUNCTUATION
            return [self._error(category, "", [], pupil, ref_at, pupil_at)]
        if not ref[0].is_word:
            same = ref[0].key == pupil[0].key
            return [] if same else [self._error(Category.PUNCTUATION, "", ref, pupil, ref_at, pupil_at)]
        if step.move is Move.SWAP:
            return self._swap_errors(step, ref, pupil)
        return self._group_errors(step.ref[0], ref, pupil)

    def _group_errors(self, first_ref: int, ref: list[Token], pupil: list[Token]) -> list[CorrectionError]:
        preceding = [t.lower for t in self.ref[max(0, first_ref - 3) : first_ref] if t.is_word]
        findings = group_findings(ref, pupil, preceding)
        return [self._error(category, detail, ref, pupil, 0, 0) for category, detail in findings]

    def _swap_errors(self, step: Step, ref: list[Token], pupil: list[Token]) -> list[CorrectionError]:
        errors = [self._error(Category.LEXICAL, WORD_ORDER, ref, pupil, 0, 0)]
        errors += self._group_errors(step.ref[0], ref[:1], pupil[1:])
        errors += self._group_errors(step.ref[1], ref[1:], pupil[:1])
        return errors

    def _error(
        self, category: Category, detail: str, ref: list[Token], pupil: list[Token], ref_at: int, pupil_at: int
    ) -> CorrectionError:
        ref_start, ref_end = (ref[0].start, ref[-1].end) if ref else (ref_at, ref_at)
        start, end = (pupil[0].start, pupil[-1].end) if pupil else (pupil_at, pupil_at)
        return CorrectionError(
            category,
            self.reference[ref_start:ref_end],
            self.text[start:end],
            start,
            end,
            ref_start,
            ref_end,
            detail,
        )


def _accepted_keys(accepted: Collection[tuple[str, str]]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    exact = {(normal_text(e), normal_text(g)) for e, g in accepted}
    return exact, {(e.lower(), g.lower()) for e, g in exact}


def _is_accepted(error: CorrectionError, exact: set[tuple[str, str]], folded: set[tuple[str, str]]) -> bool:
    pair = (normal_text(error.expected), normal_text(error.got))
    if pair in exact:
        return True
    return error.category is not Category.CAPITAL and (pair[0].lower(), pair[1].lower()) in folded


def correct(reference: str, text: str, accepted: Collection[tuple[str, str]] = ()) -> Correction:
    """Every difference between the pupil's ``text`` and the ``reference``, classified.

    ``accepted``: (expected, got) pairs the teacher accepts, e.g. ("clé", "clef"); compared after
    apostrophe normalisation, case-insensitively except for capital errors."""
    ref_tokens, pupil_tokens = tokenise(reference), tokenise(text)
    steps = align(ref_tokens, pupil_tokens)
    errors = _ErrorCollector(reference, text, ref_tokens, pupil_tokens).errors(steps)
    if accepted:
        exact, folded = _accepted_keys(accepted)
        errors = [error for error in errors if not _is_accepted(error, exact, folded)]
    return Correction.from_errors(errors)
