"""The classification of one difference between aligned words, first match wins:

- capital: the initial's case differs (reported besides any other error of the same word);
- segmentation (``SegmentationKind``): apostrophe, hyphen, split, merged or otherwise cut words (« una vion »);
  if the letters also differ, that error is reported too ("sapelait" for "s'appelait": segmentation and
  lexical; "lecole" for "l'école": segmentation and accent);
- accent: the same letters without diacritics — unless the pupil wrote another common word (≥ ``COMMON_WORD``
  per million) with the same pronunciation and a different lemma: a/à, ou/où, la/là are homophones, "foret"
  for "forêt" is an accent error;
- agreement (``AgreementKind``): the same lemma in another form, the same determiner in another gender or
  number (le/la/les, mon/ma/mes), or function words whose lemmas differ by a plural mark: leur/leurs, ce/ces,
  au/aux are agreement, not homophones;
- homophone: a common word with another lemma and the same pronunciation (et/est, son/sont, ces/ses, on/ont,
  ce/se, mes/mais, verre/vert/vers, sans/cent/sang, and across an elision: m'a/ma, c'est/ces); after a
  determiner, where the expected word is a noun, a verb form that sounds the same: "le marcher" for "le
  marché", and "le dîné" for "le dîner" too, though Lexique spells the noun's lemma like the verb's (the -é/-er
  agreement is for two forms of one verb: "il a manger");
- lexical: any other misspelling, including forms the lexicon does not know ("chevaus"); detail
  ``not_in_lexicon`` when the reference word itself is unknown to the lexicon (a name, a rare word): nothing
  then tells a wrong ending from a misspelling, so no finer category is guessed.

A misspelt word whose inflection is also wrong carries two errors (:mod:`collab.correction.endings`): the
stem's (accent or lexical) and the ending's (agreement): « chemain » for « chemins », « etait » for
« étaient », « doner » for « donné »; a wrong verb ending alone is agreement even where the lexicon does not
know the pupil's form (« nous chantion », « nous avont »).

Punctuation, omissions, additions and swapped words need no classification: the alignment says what they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from collab.correction import lexicon
from collab.correction.endings import Split, split_endings
from collab.correction.relations import DETERMINERS, elision_homophone, homophones, shares_lemma
from collab.correction.tokens import SEPARATORS, Token, strip_accents
from collab.correction.types import NOT_IN_LEXICON, AgreementKind, Category, SegmentationKind

_DETERMINER_READINGS = DETERMINERS | {"ADJ:num", "ADJ:ind", "ADJ:int"}
_SUBJECT_PRONOUNS = frozenset(["je", "j'", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles"])
_AUXILIARIES = frozenset({"avoir", "être"})
_E_ER_EZ_ENDINGS = ("é", "ée", "és", "ées", "er", "ez", "ai", "ais", "ait", "aient")  # all end in /e/ or /ɛ/
COMMON_WORD = 5.0  # per million: a rarer word written for another one is a misspelling, not a homophone
RARE_READING = 20  # a verb reading 20 times rarer than the word's other readings is not how it is read
COMMON_ELIDED = 50.0  # per million: "ma" for "m'a" is a homophone, "na" for "n'a" a missing apostrophe


@dataclass(frozen=True, slots=True)
class WordContext:
    """What precedes a reference word, to tell a noun-group form from a verb form."""

    after_determiner: bool  # les montres (noun) vs ils montrent (verb)
    after_auxiliary: bool  # elles sont parties, il a fini


def word_context(preceding_words: list[str]) -> WordContext:
    previous = preceding_words[-1] if preceding_words else ""
    before_previous = preceding_words[-2] if len(preceding_words) > 1 else ""
    determiner = any(e.cgram in _DETERMINER_READINGS for e in lexicon.entries(previous))
    # "il montre" is no noun group, though Lexique also reads "il" as a numeral (II); nor is "il les montre"
    after_determiner = determiner and not {previous, before_previous} & _SUBJECT_PRONOUNS
    auxiliary = any(e.lemma in _AUXILIARIES and e.is_verb for w in preceding_words[-3:] for e in lexicon.entries(w))
    return WordContext(after_determiner, auxiliary)


def _verb_classes(word: str, entries: Iterable[lexicon.Entry]) -> set[str]:
    classes: set[str] = set()
    for entry in entries:
        for tag in entry.infover:
            if tag == "inf":
                classes.add("inf")
            elif tag.startswith("par:"):
                classes.add("part")
            else:
                classes.add("ez" if word.endswith("ez") and tag.endswith("2p") else "finite")
    return classes


def _rarely_a_verb(entries: Iterable[lexicon.Entry]) -> bool:
    """ "pommes" is (almost) never the verb "pommer": its verb reading is under 1/``RARE_READING`` as frequent."""
    verb = max((e.frequency for e in entries if e.is_verb), default=0.0)
    other = max((e.frequency for e in entries if not e.is_verb), default=0.0)
    return verb * RARE_READING < other


def agreement_kind(expected: str, got: str, context: WordContext) -> AgreementKind:
    entries_e, entries_g = lexicon.entries(expected), lexicon.entries(got)
    if _rarely_a_verb(entries_e):
        return AgreementKind.NOUN_GROUP
    verb_lemmas = {e.lemma for e in entries_e if e.is_verb} & {e.lemma for e in entries_g if e.is_verb}
    nominal = any(not e.is_verb for e in entries_e) and any(not e.is_verb for e in entries_g)
    if not verb_lemmas or (nominal and context.after_determiner):
        return AgreementKind.NOUN_GROUP
    classes_e = _verb_classes(expected, (e for e in entries_e if e.is_verb and e.lemma in verb_lemmas))
    classes_g = _verb_classes(got, (e for e in entries_g if e.is_verb and e.lemma in verb_lemmas))
    endings_ok = expected.endswith(_E_ER_EZ_ENDINGS) and got.endswith(_E_ER_EZ_ENDINGS)
    if endings_ok and (classes_e | classes_g) & {"inf", "ez"} and not classes_e & classes_g:
        return AgreementKind.E_ER_EZ
    if "part" in classes_e and (classes_e == {"part"} or context.after_auxiliary):
        return AgreementKind.PAST_PARTICIPLE
    return AgreementKind.SUBJECT_VERB


def _is_letter_name(word: str) -> bool:
    """ "o", "b", "t": Lexique's names of letters are no words a pupil means ("o" for "au" is a misspelling)."""
    return len(word) == 1 and all(entry.cgram in ("NOM", "") for entry in lexicon.entries(word))


def _homophone_written(expected: str, got: str, context: WordContext) -> bool:
    """The pupil wrote another common word that sounds the same ("foret" for "forêt" is an accent error).
    After a determiner, a verb form for a noun is another word: "le marcher", "le dîné"."""
    if lexicon.frequency(got) < COMMON_WORD or _is_letter_name(got):
        return False
    return homophones(expected, got, nominal=context.after_determiner)


def classify_word(expected: str, got: str, context: WordContext) -> tuple[Category, str]:
    """The error of one lower-case word (accent, agreement, homophone or lexical); the words differ."""
    if strip_accents(expected) == strip_accents(got):
        return (Category.HOMOPHONE if _homophone_written(expected, got, context) else Category.ACCENT), ""
    if lexicon.known(got) and shares_lemma(expected, got, nominal=context.after_determiner):
        return Category.AGREEMENT, agreement_kind(expected, got, context).value
    if _homophone_written(expected, got, context):
        return Category.HOMOPHONE, ""
    return Category.LEXICAL, ""


Finding = tuple[Category, str]

_E_ER_EZ_PLAIN = frozenset(strip_accents(ending) for ending in _E_ER_EZ_ENDINGS)


def ending_kind(expected: str, split: Split, context: WordContext) -> AgreementKind:
    """The agreement error of a wrong ending: as for the form the pupil's ending makes, if the lexicon knows
    it ("donner" for "doner"); otherwise by the reference word's readings."""
    mended = split.mended
    if mended != expected and lexicon.known(mended) and shares_lemma(expected, mended):
        return agreement_kind(expected, mended, context)
    verbs = [entry for entry in lexicon.entries(expected) if entry.is_verb]
    if not verbs:
        return AgreementKind.NOUN_GROUP
    endings = {strip_accents(split.ending), split.got_ending}
    if endings & {"er", "ez"} and endings <= _E_ER_EZ_PLAIN | {"e"}:
        return AgreementKind.E_ER_EZ
    participle = all(tag.startswith("par:") for entry in verbs for tag in entry.infover)
    if participle or (context.after_auxiliary and any("par:pas" in entry.infover for entry in verbs)):
        return AgreementKind.PAST_PARTICIPLE
    return AgreementKind.SUBJECT_VERB


def word_findings(expected: str, got: str, context: WordContext, known_reference: bool) -> list[Finding]:
    """Every error of one lower-case word: one, or a misspelt stem and a wrong ending."""
    category, detail = classify_word(expected, got, context)
    if category is not Category.LEXICAL:
        return [(category, detail)]
    if not known_reference:
        return [(Category.LEXICAL, NOT_IN_LEXICON)]
    split = split_endings(expected, got, nominal=context.after_determiner)
    if split is None:
        return [(Category.LEXICAL, "")]
    findings: list[Finding] = []
    if split.stem != split.got_stem:
        same_letters = strip_accents(split.stem) == strip_accents(split.got_stem)
        findings.append((Category.ACCENT if same_letters else Category.LEXICAL, ""))
    return [*findings, (Category.AGREEMENT, ending_kind(expected, split, context).value)]


def _accent_on_capital_only(expected: str, got: str) -> bool:
    """ "A" for "À", "Ecole" for "École": an accent left off a capital letter, not the homophone "a"."""
    if len(expected) != len(got) or strip_accents(expected) != strip_accents(got):
        return False
    return all(e == g or g.isupper() for e, g in zip(expected, got, strict=True))


def _initial_is_upper(text: str) -> bool | None:
    return next((ch.isupper() for ch in text if ch.isalpha()), None)


def _separator_signature(text: str, separators: str = "'-") -> list[tuple[int, str]]:
    """Where the apostrophes and hyphens (or other ``separators``) fall, counted in letters: "peut-être" ->
    [(4, "-")]."""
    signature, letters = [], 0
    for ch in text:
        if ch in separators:
            signature.append((letters, ch))
        elif ch not in "'- ":
            letters += 1
    return signature


def segmentation_kind(expected: str, got: str, ref_words: int, pupil_words: int) -> SegmentationKind | None:
    apostrophes = [(n, ch) for n, ch in _separator_signature(expected) if ch == "'"]
    pupil_apostrophes = [(n, ch) for n, ch in _separator_signature(got) if ch == "'"]
    if apostrophes != pupil_apostrophes:
        return SegmentationKind.APOSTROPHE
    if _separator_signature(expected) != _separator_signature(got):
        return SegmentationKind.HYPHEN
    if ref_words != pupil_words:
        return SegmentationKind.SPLIT if pupil_words > ref_words else SegmentationKind.MERGE
    if _separator_signature(expected, " ") != _separator_signature(got, " "):
        return SegmentationKind.BOUNDARY
    return None


def _is_elision_of(a: str, b: str) -> bool:
    """l'/la, qu'/que, jusqu'/jusque: the same word, elided on one side only."""
    elided, full = (a, b) if a.endswith("'") else (b, a)
    return elided.endswith("'") and len(full) == len(elided) and full.startswith(elided[:-1])


def group_findings(ref: list[Token], pupil: list[Token], preceding_words: list[str]) -> list[Finding]:
    """What is wrong with the pupil words aligned to these reference words (one word on a side, up to three
    on the other). ``preceding_words``: the reference words just before, lower-case."""
    expected, got = " ".join(t.text for t in ref), " ".join(t.text for t in pupil)
    if expected == got:
        return []
    if _accent_on_capital_only(expected, got):
        return [(Category.ACCENT, "")]
    findings: list[Finding] = []
    if _initial_is_upper(expected) != _initial_is_upper(got):
        findings.append((Category.CAPITAL, ""))
    expected, got = expected.lower(), got.lower()
    if expected == got:
        return findings or [(Category.CAPITAL, "")]
    if len(ref) != len(pupil):
        multi, single = (ref, pupil[0]) if len(ref) > len(pupil) else (pupil, ref[0])
        if lexicon.frequency(single.lower) >= COMMON_ELIDED and elision_homophone(multi, single):
            return [*findings, (Category.HOMOPHONE, "")]
    segmentation = segmentation_kind(expected, got, len(ref), len(pupil))
    if segmentation is not None:
        findings.append((Category.SEGMENTATION, segmentation.value))
        if segmentation is SegmentationKind.APOSTROPHE and _is_elision_of(expected, got):
            return findings
        expected, got = expected.translate(SEPARATORS), got.translate(SEPARATORS)
    if expected != got:
        known_reference = all(lexicon.known(token.lower) for token in ref)
        findings += word_findings(expected, got, word_context(preceding_words), known_reference)
    return findings
