"""How the lexicon relates two words of a dictation: the same lemma (or the same determiner in another form),
the same sound. Both the alignment (related words cost little to substitute) and the classification use it.

Pronunciations are compared loosely (e/ɛ, o/ɔ, ø/œ/ə, ɛ̃/œ̃ merged), as most speakers, and pupils, do. A word
the lexicon does not know (« bocou », « ché », « cé ») is heard through :func:`spelled_sound`, a rough reading
of French spelling, good enough to tell that a phonetic spelling sounds like its word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from collab.correction import lexicon
from collab.correction.tokens import Token

_LOOSE_PHON = str.maketrans("EO°91", "eo225")
DETERMINERS = frozenset({"ART:def", "ART:ind", "ADJ:pos", "ADJ:dem"})
_FUNCTION_WORDS = DETERMINERS | {"PRO:pos", "PRO:dem", "PRO:per", "ADJ:ind", "PRO:ind"}


_SPELLING_RULES = [
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"['\- ]", ""),
        (r"ç", "s"),
        (r"y", "i"),
        (r"(?<![csp])h", ""),
        (r"sch|ch|sh", "S"),
        (r"ph", "f"),
        (r"qu|ck|k", "K"),
        (r"c(?=[eiéèêëîï])", "s"),
        (r"c", "K"),
        (r"gu(?=[eiéèêë])", "g"),
        (r"g(?=[eiéèêë])", "j"),
        (r"[éèêë]|(ai|ei|er|ez|et|est|es)$", "E"),
        (r"[àâä]", "a"),
        (r"[îï]", "i"),
        (r"[ôö]", "o"),
        (r"[ùûü]", "u"),
        (r"eau|au", "o"),
        (r"oi", "wa"),
        (r"ou", "U"),
        (r"(ain|ein|aim|in|im|un|um)(?![aeiouEU]|n|m)", "1"),
        (r"(an|am|en|em)(?![aeiouEU]|n|m)", "@"),
        (r"(on|om)(?![aeiouEU]|n|m)", "O"),
        (r"ai|ei", "E"),
        (r"(?<=[aeiouEUO@1])s(?=[aeiouEUO@1])", "z"),
        (r"(.)\1", r"\1"),
        (r"(?<=.)[stdxp]+$", ""),
        (r"(?<=.)e$", ""),
    )
]


@lru_cache(maxsize=8192)
def spelled_sound(word: str) -> str:
    """How a French reader would say a written word, roughly ("bocou" and "beaucoup" -> "boKU"; "cé" and
    "s'est" -> "se"); lower-case input."""
    sound = word
    for pattern, replacement in _SPELLING_RULES:
        sound = pattern.sub(replacement, sound)
    return sound


def sounds_alike(a: str, b: str) -> bool:
    """Two spellings that read the same ("o"/"au", "bocou"/"beaucoup", "cé"/"s'est"); lower-case input."""
    heard = spelled_sound(a)
    return bool(heard) and heard == spelled_sound(b)


@lru_cache(maxsize=16384)
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
