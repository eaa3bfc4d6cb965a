"""Measure sign-in under attack on a fresh ``collab serve --demo`` (issue 12, items 1 and 4).

1. /healthz latency (max, p50) while 30 wrong adult sign-ins run in parallel: 30 for one account
   (mme.durand), then 30 for 30 different logins that do not exist.
2. How many picture comparisons a burst of 1,000 parallel picture sequences (999 wrong, the right one
   among them) obtains on one pupil (counted by the server's metric, or by the 401/303 answers).

Usage, from the repository to measure (its own code is served)::

    .venv/bin/python scripts/measure_sign_in.py [--repo DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from serving import free_port, serve

ROOT = Path(__file__).resolve().parent.parent


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def healthz_during(base: str, logins: list[str]) -> dict[str, object]:
    """Poll /healthz, one request after the other, while the wrong sign-ins run."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        csrf = csrf_from((await client.get("/connexion")).text)

        async def wrong(login: str) -> int:
            response = await client.post("/connexion", data={"csrf": csrf, "login": login, "password": "pas-le-bon"})
            return response.status_code

        started = time.perf_counter()
        sign_ins = asyncio.gather(*(wrong(login) for login in logins))
        latencies = []
        async with httpx.AsyncClient(base_url=base, timeout=120) as probe:
            while not sign_ins.done():
                t = time.perf_counter()
                await probe.get("/healthz")
                latencies.append(time.perf_counter() - t)
        statuses = await sign_ins
        return {
            "sign_ins_seconds": round(time.perf_counter() - started, 2),
            "healthz_max_ms": round(max(latencies) * 1000, 1),
            "healthz_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "healthz_probes": len(latencies),
            "answers": {s: statuses.count(s) for s in sorted(set(statuses))},
        }


async def picture_burst(base: str, database: Path, size: int) -> dict[str, object]:
    with sqlite3.connect(database) as db:
        code, pupil_id, pictures = db.execute(
            "SELECT c.code, u.id, k.pictures FROM users u JOIN class_pupils p ON p.user_id = u.id "
            "JOIN classes c ON c.id = p.class_id JOIN credentials k ON k.user_id = u.id WHERE u.login = 'lea.martin'"
        ).fetchone()
    right = tuple(int(n) for n in pictures.split(","))
    wrong = [t for t in itertools.permutations(range(1, 13), 3) if t != right]
    guesses = [",".join(map(str, t)) for t in random.sample(wrong, size - 1)]
    guesses.insert(random.randrange(size), pictures)
    url = f"/classe/{code}/{pupil_id}"
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as client:
        csrf = csrf_from((await client.get(url)).text)

        async def one(guess: str) -> int:
            response = await client.post(url, data={"csrf": csrf, "pictures": guess})
            return response.status_code

        started = time.perf_counter()
        statuses = await asyncio.gather(*(one(g) for g in guesses))
        seconds = time.perf_counter() - started
        metrics = (await client.get("/metrics")).text
    found = re.search(r'collab_sign_in_comparisons_total\{kind="pictures"\} (\S+)', metrics)
    return {
        "requests": size,
        "seconds": round(seconds, 2),
        "answers": {s: statuses.count(s) for s in sorted(set(statuses))},
        "comparisons (metric)": float(found.group(1)) if found else "no metric (old code)",
        "comparisons (401 + 303 answers)": statuses.count(401) + statuses.count(303),
        "signed in": statuses.count(303),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--burst", type=int, default=1000)
    args = parser.parse_args()
    for scenario, logins in (
        ("30 wrong sign-ins, one account", ["mme.durand"] * 30),
        ("30 wrong sign-ins, 30 unknown logins", [f"inconnu-{i}" for i in range(30)]),
        ("picture burst", []),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            proc = serve(args.repo, Path(tmp), port, demo=True)
            try:
                base = f"http://127.0.0.1:{port}"
                if logins:
                    result = asyncio.run(healthz_during(base, logins))
                else:
                    result = asyncio.run(picture_burst(base, Path(tmp) / "collab.sqlite3", args.burst))
                print(f"{scenario}: {result}", flush=True)
            finally:
                proc.terminate()
                proc.wait(30)


if __name__ == "__main__":
    main()
