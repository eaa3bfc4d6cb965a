"""Dictation correction on dense texts (issue 16): the development set's score, words with two mistakes, verb
endings, phonetic spellings, glued and split words, skipped and repeated lines; properties of the alignment."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from collab.correction.alignment import Move, align
from collab.correction.correct import Category, CorrectionError, correct, tokenise
from collab.correction.relations import homophones, shares_lemma, sounds_alike
from collab.correction.tokens import strip_accents
from collab.followup.marking import Scheme, score
from tests.correction.dense_scoring import evaluate
from tests.correction.dense_set import SET, UNSEEN
from tests.support.corrections import labels
from tests.support.server import REPO
from tests.support.summary import SUMMARY_PROPERTY

RECALL = 0.95  # mistakes found with the teacher's category
FALSE_ALARMS = 0.03  # reported errors that are no mistake, per mistake


def test_every_dense_dictation_has_12_to_30_mistakes() -> None:
    for dictation in SET + UNSEEN:
        assert 12 <= len(dictation.mistakes) <= 30, dictation.name
        assert 50 <= len(dictation.reference.split()) <= 75, dictation.name


def test_the_dense_set_is_corrected_as_a_teacher_would(record_property: Callable[[str, object], None]) -> None:
    """The score per category is printed at the end of the run (``SUMMARY_PROPERTY``)."""
    found = evaluate(correct, SET + UNSEEN)
    record_property(SUMMARY_PROPERTY, f"Dense dictations, {found.total} mistakes:\n{found.table()}")
    assert found.recall() >= RECALL, found.table()
    assert found.false_alarm_rate() <= FALSE_ALARMS, found.table()


# (reference, pupil's text, every error in text order)
DENSE_KINDS: list[tuple[str, str, list[str]]] = [
    # two mistakes in one word, each with its category
    ("Les chemins sont longs.", "Les chemain sont longs.", ["lexical", "agreement:noun_group"]),
    ("Ils étaient contents.", "Ils etait contents.", ["accent", "agreement:subject_verb"]),
    ("Les châtaignes tombent.", "Les chataigne tombent.", ["accent", "agreement:noun_group"]),
    ("Il a donné un livre.", "Il a doner un livre.", ["lexical", "agreement:e_er_ez"]),
    ("Les enfants jouent.", "Les enfans jouent.", ["lexical"]),  # the plural is there: one mistake
    ("Ils mangeaient des pommes.", "Ils manjaient des pomes.", ["lexical", "lexical"]),
    # verb endings are agreement, even where the lexicon does not know the pupil's form
    ("Nous chantions.", "Nous chantion.", ["agreement:subject_verb"]),
    ("Vous parlez fort.", "Vous parlé fort.", ["agreement:e_er_ez"]),
    ("Ils jouaient dehors.", "Ils jouai dehors.", ["agreement:subject_verb"]),
    ("Nous avons fini.", "Nous avont fini.", ["agreement:subject_verb"]),
    # phonetic spellings far from the word align to it; a non-word (or a letter's name) is no homophone
    ("Il va au marché.", "Il va o marché.", ["lexical"]),
    ("Il est chez lui.", "Il est ché lui.", ["lexical"]),
    ("Il mange beaucoup.", "Il mange bocou.", ["lexical"]),
    # glued and split words: one segmentation, and what else is wrong inside
    ("Il va à l'école.", "Il va à lecole.", ["segmentation:apostrophe", "accent"]),
    ("L'avion décolle.", "La vion décolle.", ["segmentation:apostrophe"]),
    ("C'était beau.", "Sé tait beau.", ["segmentation:apostrophe", "lexical"]),
    ("C'était la nuit.", "Sétait la nuit.", ["segmentation:apostrophe", "lexical"]),
    ("Il s'est levé.", "Il cé levé.", ["segmentation:apostrophe", "lexical"]),
    ("Un avion vole.", "Una vion vole.", ["segmentation:boundary"]),
    ("Il n'a pas bougé.", "Il na pas bougé.", ["segmentation:apostrophe"]),
    # an accent left off a capital is an accent, not the homophone "a"
    ("À midi, on mange.", "A midi, on mange.", ["accent"]),
    # a word the lexicon does not know says so rather than guessing
    ("Zorglub arrive.", "Zorglube arrive.", ["lexical:not_in_lexicon"]),
]


@pytest.mark.parametrize(("reference", "text", "expected"), DENSE_KINDS, ids=[t for _, t, _ in DENSE_KINDS])
def test_dense_kinds_of_mistakes(reference: str, text: str, expected: list[str]) -> None:
    assert labels(correct(reference, text)) == expected


@pytest.mark.parametrize(
    ("spelling", "word"),
    [("bocou", "beaucoup"), ("ché", "chez"), ("cé", "s'est"), ("o", "au"), ("sétait", "c'était"),
     ("garson", "garçon"), ("fotografi", "photographie"), ("istoire", "histoire"), ("cho", "chaud")],
)  # fmt: skip
def test_a_phonetic_spelling_sounds_like_its_word(spelling: str, word: str) -> None:
    assert sounds_alike(spelling, word)


@pytest.mark.parametrize(("a", "b"), [("chat", "chien"), ("le", "les"), ("maison", "saison"), ("bateau", "bâton")])
def test_words_that_sound_different_do_not_sound_alike(a: str, b: str) -> None:
    assert not sounds_alike(a, b)


def test_the_two_mistakes_of_a_word_share_its_span() -> None:
    first, second = correct("Les chemins sont longs.", "Les chemain sont longs.").errors
    assert (first.start, first.end, first.ref_start, first.ref_end) == (second.start, second.end, 4, 11)
    assert first.expected == second.expected == "chemins" and first.got == second.got == "chemain"


def test_a_doubly_wrong_word_is_one_classic_fault_and_two_counted_errors() -> None:
    for reference, text in [
        ("Les chemins sont longs.", "Les chemain sont longs."),
        ("Les châtaignes tombent.", "Les chataigne tombent."),
    ]:
        correction = correct(reference, text)
        assert sum(correction.counts.values()) == 2
        assert score(correction, Scheme.CLASSIC).faults == 1.0
        assert score(correction, Scheme.COUNTS).faults == 2.0


SENTENCE = ["Il", "fait", "très", "chaud", "dehors"]


def test_a_skipped_and_a_repeated_sentence_are_blocks_and_the_words_around_stay_matched() -> None:
    reference = "Le chat dort. Il fait très chaud dehors. Le chien aboie fort."
    skipped = correct(reference, "Le chat dor. Le chien aboi fort.")
    assert [(e.category, e.expected) for e in skipped.errors] == [
        (Category.AGREEMENT, "dort"),  # « dor »: a verb ending
        (Category.PUNCTUATION, "."),
        *[(Category.OMISSION, word) for word in SENTENCE],
        (Category.AGREEMENT, "aboie"),
    ]
    repeated = correct(reference, "Le chat dort. Il fait très chaud dehors. Il fait très chaud dehors. Le chien aboie.")
    assert [(e.category, e.expected, e.got) for e in repeated.errors] == [
        *[(Category.ADDITION, "", word) for word in SENTENCE],
        (Category.PUNCTUATION, "", "."),
        (Category.OMISSION, "fort", ""),
    ]


def test_the_cli_reports_both_mistakes_of_a_word(tmp_path: Path) -> None:
    reference, text = tmp_path / "reference.txt", tmp_path / "texte.txt"
    reference.write_text("Les chemins sont longs.\n", encoding="utf-8")
    text.write_text("Les chemain sont longs.\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "collab", "correct", str(reference), str(text)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [(e["category"], e["detail"], e["start"], e["end"]) for e in document["errors"]] == [
        ("lexical", "", 4, 11),
        ("agreement", "noun_group", 4, 11),
    ]
    assert document["counts"]["lexical"] == document["counts"]["agreement"] == 1


# --- properties ---------------------------------------------------------------------------------------------


def apply_corrections(text: str, errors: list[CorrectionError]) -> str:
    """The pupil's text with every reported error replaced by what was expected. An error inside one already
    done is skipped: the twin of a doubly wrong word, a word of two swapped words, a missing mark inside a
    glued word. Several omissions at one place are inserted in turn."""
    out, at = [], 0
    for error in sorted(errors, key=lambda e: (e.start, e.ref_start, -e.end)):
        if error.start < at:
            continue
        out += [text[at : error.start], " ", error.expected, " "]
        at = error.end
    out.append(text[at:])
    return "".join(out)


def _words(text: str) -> list[str]:
    return [token.text for token in tokenise(text)]


def _mutate(words: list[str], edits: list[tuple[int, int]]) -> list[str]:
    """Weak-speller edits: drop or repeat a word, lose its last letter or its accents, glue it to the next,
    lower its case, double a letter, swap two words."""
    words = list(words)
    for position, kind in edits:
        if not words:
            break
        i = position % len(words)
        word = words[i]
        if kind == 0:
            del words[i]
        elif kind == 1:
            words.insert(i, word)
        elif kind == 2 and len(word) > 2:
            words[i] = word[:-1]
        elif kind == 3:
            words[i] = strip_accents(word)
        elif kind == 4 and i + 1 < len(words):
            words[i : i + 2] = [word + words[i + 1]]
        elif kind == 5:
            words[i] = word.lower()
        elif kind == 6 and len(word) > 1:
            words[i] = word[0] + word[1:2] + word[1:]
        elif kind == 7 and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], word
    return words


DENSE_EDITS = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 7)), min_size=5, max_size=30)
REFERENCES = st.sampled_from([dictation.reference for dictation in SET + UNSEEN])
DENSE = hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@DENSE
@given(REFERENCES, DENSE_EDITS)
def test_applying_the_reported_corrections_gives_back_the_reference(reference: str, edits: list) -> None:
    text = " ".join(_mutate(reference.split(), edits))
    assert _words(apply_corrections(text, correct(reference, text).errors)) == _words(reference)


@DENSE
@given(REFERENCES, DENSE_EDITS)
def test_no_omitted_word_is_left_while_the_same_word_is_added_beside_it(reference: str, edits: list) -> None:
    """Alignment never leaves an exact match unused: a reference word omitted and the same pupil word added
    always have a paired couple of tokens between them (pairing them would cross it)."""
    ref, pupil = tokenise(reference), tokenise(" ".join(_mutate(reference.split(), edits)))
    steps = align(ref, pupil)
    matched = [(i, j) for s in steps for i in s.ref for j in s.pupil]  # matches, swaps, splits, merges
    omitted = [s.ref[0] for s in steps if s.move is Move.DELETE and ref[s.ref[0]].is_word]
    added = [s.pupil[0] for s in steps if s.move is Move.INSERT and pupil[s.pupil[0]].is_word]
    for i in omitted:
        for j in added:
            if ref[i].text == pupil[j].text:
                assert any((mi - i) * (mj - j) < 0 for mi, mj in matched), (ref[i].text, i, j)


@DENSE
@given(REFERENCES, DENSE_EDITS)
def test_words_paired_by_the_alignment_have_something_in_common(reference: str, edits: list) -> None:
    """A reference word is substituted only by a pupil word that shares letters with it, or its lemma, or its
    sound: never by an unrelated word (« o » for « au » shares no letter, but the sound)."""
    ref, pupil = tokenise(reference), tokenise(" ".join(_mutate(reference.split(), edits)))
    for step in align(ref, pupil):
        if step.move is Move.MATCH and ref[step.ref[0]].is_word:
            r, p = ref[step.ref[0]].lower, pupil[step.pupil[0]].lower
            related = shares_lemma(r, p) or homophones(r, p) or sounds_alike(r, p)
            assert set(strip_accents(r)) & set(strip_accents(p)) or related, (r, p)
