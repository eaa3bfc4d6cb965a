"""How the lexicon relates two words of a dictation: the same lemma (or the same determiner in another form),
the same sound. Both the alignment (related words cost little to substitute) and the classification use it.

Pronunciations are compared loosely (e/ɛ, o/ɔ, ø/œ/ə, ɛ̃/œ̃ merged), as most speakers, and pupils, do.
"""

from __future__ import annotations

from collab.correction import lexicon
from collab.correction.tokens import Token

_LOOSE_PHON = str.maketrans("EO°91", "eo225")
DETERMINERS = frozenset({"ART:def", "ART:ind", "ADJ:pos", "ADJ:dem"})
_FUNCTION_WORDS = DETERMINERS | {"PRO:pos", "PRO:dem", "PRO:per", "ADJ:ind", "PRO:ind"}


def sounds(word: str) -> frozenset[str]:
    return frozenset(phon.translate(_LOOSE_PHON) for phon in lexicon.pronunciations(word))


def _singular(lemma: str) -> str:
    return lemma[:-1] if len(lemma) > 1 and lemma[-1] in "sx" else lemma


def shares_lemma(a: str, b: str, nominal: bool = False) -> bool:
    """Same lemma; or the same determiner in another gender/number (le/la/les, mon/ma/mes); or function
    words whose lemmas differ by a plural mark in the same category (leur/leurs, ce/ces, au/aux).

    ``nominal``: ``a`` follows a determiner, so its verb readings do not count ("la nuit" is no "nuire");
    if it has others (a noun, an adjective…), only the readings of ``b`` of the same kind can share its
    lemma. "marcher" is thus not the noun "marché" (which Lexique also gives as the participle of
    "marcher"), nor is "dîné" the noun "dîner" or "bouché" the noun "boucher", though Lexique spells those
    nouns' lemmas like the verbs'."""
    entries_a, entries_b = lexicon.entries(a), lexicon.entries(b)
    if nominal and any(not e.is_verb for e in entries_a):
        entries_a = tuple(e for e in entries_a if not e.is_verb)
        entries_b = tuple(e for e in entries_b if not e.is_verb)
    if {e.lemma for e in entries_a} & {e.lemma for e in entries_b}:
        return True
    shared_cgram = {e.cgram for e in entries_a} & {e.cgram for e in entries_b}
    if a[:1] == b[:1] and shared_cgram & DETERMINERS:
        return True
    return any(
        (_singular(x.lemma), x.cgram) == (_singular(y.lemma), y.cgram)
        for x in entries_a
        if x.cgram in _FUNCTION_WORDS
        for y in entries_b
    )


def homophones(a: str, b: str, nominal: bool = False) -> bool:
    """Two real words with different lemmas (or, ``nominal``, a noun and a verb form) that sound the same."""
    return bool(sounds(a) & sounds(b)) and not shares_lemma(a, b, nominal)


def elision_homophone(multi: list[Token], single: Token) -> bool:
    """m'a/ma, l'a/la, c'est/ces, s'est/ses, d'en/dans: an elided pair heard as one word."""
    if not any(token.elided for token in multi) or not lexicon.known(single.lower):
        return False
    heard: set[str] = {""}
    for token in multi:
        heard = {before + sound for before in heard for sound in sounds(token.lower)}
    return bool(heard & sounds(single.lower))
