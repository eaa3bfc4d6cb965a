"""A misspelt word cut into its stem and its inflection, so that a word with two mistakes gets both: « chemain »
for « chemins » is a misspelt stem (chemin/chemain) and a lost plural (-s); « doner » for « donné » a misspelt
stem (donn/don) and an -é/-er confusion; « chantion » for « chantions » only a wrong verb ending, though the
lexicon does not know « chantion ».

The reference word's possible inflections come from its readings in the lexicon (verb endings for a verb form,
-s/-x for a plural, -e/-es for a feminine adjective); the pupil's word may end in any of them, or in a
truncated one (« -ion » for « -ions », « -ié » for « -iez »). Pure, apart from lexicon lookups.
"""

from __future__ import annotations

from dataclasses import dataclass

from collab.correction import lexicon
from collab.correction.alignment import edit_distance
from collab.correction.relations import shares_lemma
from collab.correction.tokens import strip_accents

VERB_ENDINGS = (
    "aient", "ions", "iez", "rons", "ront", "rez", "rai", "ras", "ais", "ait", "ons", "ont", "ent", "ées", "ez",
    "er", "ir", "ai", "és", "ée", "es", "is", "it", "us", "ut", "ra", "as", "é", "e", "s", "t", "x", "a",
)  # fmt: skip
PLURAL_ENDINGS = ("s", "x")
FEMININE_ENDINGS = ("es", "e")
#: What a pupil writes at the end of a word: any inflection, accents aside, or a truncated one.
PUPIL_ENDINGS = frozenset(strip_accents(e) for e in VERB_ENDINGS) | {"ion", "ie", "on", "i", "u"}


@dataclass(frozen=True, slots=True)
class Split:
    """``expected`` = ``stem`` + ``ending``; ``got`` = ``got_stem`` + ``got_ending``; the endings differ."""

    stem: str
    ending: str
    got_stem: str
    got_ending: str

    @property
    def mended(self) -> str:
        """The reference stem with the pupil's ending: which form of the word the pupil wrote."""
        return self.stem + self.got_ending


def reference_endings(word: str, nominal: bool = False) -> set[str]:
    """The inflections ``word`` may end in, by its readings in the lexicon; ``nominal`` (after a determiner),
    not its verb readings if it has others ("la classe" is no form of "classer")."""
    entries = lexicon.entries(word)
    if nominal and any(not entry.is_verb for entry in entries):
        entries = tuple(entry for entry in entries if not entry.is_verb)
    endings: set[str] = set()
    for entry in entries:
        if entry.is_verb:
            endings.update(e for e in VERB_ENDINGS if word.endswith(e))
        if entry.cgram in ("NOM", "ADJ") and entry.number == "p":
            endings.update(e for e in PLURAL_ENDINGS if word.endswith(e))
        if entry.cgram == "ADJ" and entry.gender == "f":
            endings.update(e for e in FEMININE_ENDINGS if word.endswith(e))
    return {e for e in endings if len(e) < len(word)}


def _plausible(expected: str, split: Split, verb: bool) -> bool:
    """The pupil's ending is a real inflection of this word: the stem is right, or the reference stem with
    the pupil's ending is a form of the same word, or the pupil wrote a verb ending short (-ion for -ions)."""
    if strip_accents(split.stem) == strip_accents(split.got_stem):
        return True
    if split.got_ending and verb and strip_accents(split.ending).startswith(strip_accents(split.got_ending)):
        return True
    return lexicon.known(split.mended) and shares_lemma(expected, split.mended)


def split_endings(expected: str, got: str, nominal: bool = False) -> Split | None:
    """The cut of two lower-case words into stems and different endings that explains ``got`` best, if it
    explains it about as well as reading the whole word as misspelt; None otherwise. ``nominal``: as for
    :func:`reference_endings`."""
    endings = reference_endings(expected, nominal)
    if not endings:
        return None
    verb = any(entry.is_verb for entry in lexicon.entries(expected))
    plain_got = strip_accents(got)
    pupil_endings = [*sorted(e for e in PUPIL_ENDINGS if plain_got.endswith(e) and len(e) < len(got)), ""]
    best: tuple[int, int, int, Split] | None = None
    for ending in sorted(endings):
        plain_ending = strip_accents(ending)
        stem = expected[: len(expected) - len(ending)]
        for got_ending in pupil_endings:
            if got_ending == plain_ending or {got_ending, plain_ending} <= set(PLURAL_ENDINGS):
                continue  # the same ending, or the other plural mark ("chevaus": a misspelling, still plural)
            cut = len(got) - len(got_ending)
            split = Split(stem, ending, got[:cut], got[cut:])
            if not _plausible(expected, split, verb):
                continue
            cost = edit_distance(strip_accents(stem), plain_got[:cut]) + edit_distance(plain_ending, got_ending)
            rank = (cost, -len(got_ending), len(ending))  # ties: the pupil's longer ending, the shorter inflection
            if best is None or rank < best[:3]:
                best = (*rank, split)
    if best is None or best[0] > edit_distance(strip_accents(expected), plain_got) + 1:
        return None
    if best[0] > _same_ending_cost(expected, plain_got, endings):
        return None  # "enfans" for "enfants": a misspelt stem with the right plural, not two mistakes
    return best[3]


def _same_ending_cost(expected: str, plain_got: str, endings: set[str]) -> float:
    """How far the pupil's word is from the reference word read with the same ending: its stem's distance."""
    costs = [
        edit_distance(strip_accents(expected[: len(expected) - len(ending)]), plain_got[: len(plain_got) - len(plain)])
        for ending in endings
        if (plain := strip_accents(ending)) and plain_got.endswith(plain) and len(plain) < len(plain_got)
    ]
    return min(costs, default=float("inf"))
