"""Measure the dictation correction on the dense development set (tests/correction/dense_set.py): recall and
false alarms per category, and the time to correct each dense dictation once the lexicon is loaded.

    PYTHONPATH=$PWD .venv/bin/python scripts/measure_correction.py [--repeat 20]

The first correction of a text pays for the lexicon lookups of its words (parsed once, then cached): it is
shown apart ("first"); "median" and "max" are over the repeats. Times are wall clock and CPU (process time,
which a busy machine inflates less).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collab.correction import lexicon
from collab.correction.correct import correct
from tests.correction.dense_scoring import evaluate
from tests.correction.dense_set import SET, UNSEEN


def _timed(reference: str, text: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    correct(reference, text)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    lexicon.load()
    print(f"lexicon loaded in {time.perf_counter() - started:.2f} s\n")
    for name, dictations in (("development set", SET), ("texts written after tuning", UNSEEN)):
        print(f"{name}: {len(dictations)} dictations\n{evaluate(correct, dictations).table()}\n")
    print(f"{'dictation':<11}{'words':>6}{'mistakes':>9}  ms wall: first median   max   | ms CPU: first median")
    for dictation in SET + UNSEEN:
        first = _timed(dictation.reference, dictation.pupil)
        runs = [_timed(dictation.reference, dictation.pupil) for _ in range(args.repeat)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"{dictation.name:<11}{len(dictation.reference.split()):>6}{len(dictation.mistakes):>9}"
            f"  {first[0]:>14.1f}{statistics.median(walls):>7.1f}{max(walls):>6.1f}"
            f"   | {first[1]:>13.1f}{statistics.median(cpus):>7.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
