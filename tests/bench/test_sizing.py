"""Unit checks of the benchmark's arithmetic and placement (``pytest bench/test_sizing.py``: the
benchmark itself is a measurement, run by hand)."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections import Counter

import psutil  # type: ignore[import-untyped,unused-ignore]
import pytest

from bench import compare, sizing
from bench.cluster import Deployment, deployments, worker_index
from bench.engines import tree_cpu_seconds


@pytest.mark.parametrize("workers", [2, 3])
def test_split_puts_the_partners_on_two_workers_and_spreads_the_typists(workers: int) -> None:
    pairs = 6 * workers
    typists = Counter(worker_index(i, "token_a", workers, "split") for i in range(pairs))
    for i in range(pairs):
        assert worker_index(i, "token_a", workers, "split") != worker_index(i, "token_b", workers, "split")
    assert set(typists.values()) == {pairs // workers}


def test_same_keeps_each_pair_on_one_worker() -> None:
    for i in range(10):
        assert worker_index(i, "token_a", 2, "same") == worker_index(i, "token_b", 2, "same") == i % 2


def test_deployments_measured_in_order() -> None:
    assert deployments("sqlite", 2, ["same", "split"], compare=False) == [Deployment("sqlite")]
    keys = [d.key for d in deployments("postgres", 2, ["same", "split"], compare=True)]
    assert keys == ["sqlite", "postgres-1", "postgres-2-same", "postgres-2-split"]
    assert [d.key for d in deployments("postgres", 1, ["split"], compare=False)] == ["postgres-1"]


def test_cpu_per_keystroke_and_pairs_per_core() -> None:
    us = sizing.cpu_per_keystroke_us({"worker 1": 0.3, "PostgreSQL": 0.1, "Redis": 0.05}, 1500)
    assert us == {"worker 1": 200.0, "PostgreSQL": 66.7, "Redis": 33.3, "total": 300.0}
    # 300 µs a keystroke, 2.2 keystrokes/s a pair: 1 / (300e-6 × 2.2) ≈ 1,515 pairs per core
    assert sizing.pairs_per_core(us["total"], 2.2) == 1515
    assert sizing.pairs_per_core(None, 2.2) is None
    assert sizing.cpu_per_keystroke_us({"worker 1": 1.0}, 0)["total"] is None
    assert sizing.cores_needed(3000, 1500) == pytest.approx(4.0)  # 2 cores' worth, used at 50 %


def test_limited_by_names_what_was_saturated() -> None:
    assert "server side CPU-bound" in sizing.limited_by(97.0, 1, 40.0, 1.0, held=False)
    assert "generator CPU-bound" in sizing.limited_by(50.0, 1, 95.0, 1.0, held=True)
    assert "disturbed" in sizing.limited_by(50.0, 1, 40.0, 30.0, held=True)
    assert sizing.limited_by(50.0, 1, 40.0, 1.0, held=True) == "not CPU-bound"
    assert "without saturating" in sizing.limited_by(50.0, 1, 40.0, 1.0, held=False)
    assert sizing.limited_by(50.0, 1, 40.0, 1.0, held=False, errors=3).startswith("3 errors")


def _load(key: str, label: str, per_core: float, pairs: int = 200) -> dict[str, object]:
    return {
        "deployment": key,
        "label": label,
        "workers": 1,
        "pairs": pairs,
        "pairs_per_core": per_core,
        "keystrokes_per_pair_per_s": 2.2,
        "rate_per_s": 2.0,
        "held": True,
        "errors_total": 0,
        "disturbed": False,
    }


def test_sizing_table_prefers_the_ramps_largest_held_step() -> None:
    results = {
        "load": {"deployments": [_load("sqlite", "SQLite, 1 process", 700), _load("postgres-1", "PG, 1", 400)]},
        "ramp": {
            "deployments": [
                {
                    "deployment": "postgres-1",
                    "label": "PG, 1",
                    "best_pairs_held": 500,
                    "steps": [
                        _load("postgres-1", "PG, 1", 450, pairs=250),
                        _load("postgres-1", "PG, 1", 600, pairs=500),
                        {**_load("postgres-1", "PG, 1", 650, pairs=1000), "held": False},
                    ],
                }
            ]
        },
    }
    table = compare.sizing_table(results)
    assert table is not None
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert "600 (ramp, 500 pairs held)" in rows["PG, 1"]
    # 3,000 pairs / 600 / 0.5 = 10 cores; 100,000 → 334
    assert rows["PG, 1"].endswith("| 10 | 334 |")
    assert "700 (load, 200 pairs)" in rows["SQLite, 1 process"]
    assert "beyond one process" in rows["SQLite, 1 process"]
    # a run with errors (frames lost) gives no figure
    results["load"]["deployments"][0]["errors_total"] = 5
    assert "SQLite" not in (compare.sizing_table(results) or "")


def test_tree_cpu_counts_children_that_already_ended() -> None:
    spin = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    parent = subprocess.Popen(["sh", "-c", f"{shlex.quote(sys.executable)} -c {shlex.quote(spin)}; exec sleep 30"])
    try:
        shell = psutil.Process(parent.pid)
        deadline = time.monotonic() + 20
        while shell.name() != "sleep":  # the child has burnt its CPU, ended and been reaped
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert tree_cpu_seconds(parent.pid) >= 0.29
    finally:
        parent.kill()
        parent.wait()
