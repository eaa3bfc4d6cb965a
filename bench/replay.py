"""A fast writer, paced: the stock y-websocket client (Node, tests/js/replay.mjs) replays a recorded
two-person editing trace at full speed against ``collab serve``. Reports how long the server took to
take it all, its CPU and peak memory meanwhile, how much it paced, and checks the text exactly.

    .venv/bin/python -m bench.replay [--rate R] [--burst B] [--limit N]

Without ``--rate``/``--burst`` the server runs with its defaults (COLLAB_RATE_PER_SECOND,
COLLAB_RATE_BURST).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.links import fetch_text
from bench.server import HOST, RssSampler, Server, kill_leftovers, loadtest_setup

REPO = Path(__file__).resolve().parent.parent
JS = REPO / "tests" / "js"
TRACE = next(
    (t for t in (p / "shared/data/editing-traces/friendsforever_flat.json.gz" for p in REPO.parents) if t.exists()),
    REPO.parent / "shared/data/editing-traces/friendsforever_flat.json.gz",
)
MB = 1024 * 1024


async def replay(args: argparse.Namespace) -> dict[str, object]:
    trace = Path(args.trace)
    with gzip.open(trace) as f:
        txns = len(json.load(f)["txns"])
    count = min(txns, args.limit) if args.limit else txns
    data = Path(tempfile.mkdtemp(prefix="binome-replay-"))
    # Set up and serve with this checkout's code, whatever the shared virtualenv has installed.
    os.environ["PYTHONPATH"] = str(REPO)
    env = {}
    if args.rate is not None:
        env["COLLAB_RATE_PER_SECOND"] = str(args.rate)
    if args.burst is not None:
        env["COLLAB_RATE_BURST"] = str(args.burst)
    try:
        [row] = await loadtest_setup(data, 1)
        server = Server(data, cpu=None, env=env)
        await server.start()
        rss_before = server.rss()
        cpu_before = server.cpu_seconds()
        sampler = RssSampler(server, interval=0.2)
        sampler.start()
        started = time.perf_counter()
        node = shutil.which("node")
        assert node is not None, "node is required"
        proc = await asyncio.create_subprocess_exec(
            node,
            str(JS / "replay.mjs"),
            f"ws://{HOST}:{server.port}/ws/doc",
            row["doc"],
            row["token_a"],
            str(trace),
            str(count),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=JS,
        )
        assert proc.stdout is not None and proc.stdin is not None
        expected = ""
        sent_after = 0.0
        closes: list[int | None] = []  # the client reconnects by itself (a 44xx would stop it)
        while True:
            line = await proc.stdout.readline()
            if not line:
                raise RuntimeError("the Node client exited early")
            event = json.loads(line)
            if event["event"] == "closed":
                closes.append(event["code"])
            if event["event"] == "sent":
                expected, sent_after = event["text"], time.perf_counter() - started
                break

        async def watch_closes() -> None:
            assert proc.stdout is not None
            async for line in proc.stdout:
                if json.loads(line)["event"] == "closed":
                    closes.append(json.loads(line)["code"])

        watcher = asyncio.get_running_loop().create_task(watch_closes())
        # Until a fresh client reads exactly the replaying client's text (checked twice a second).
        while True:
            text, _, _ = await fetch_text(server.ws_url(row["doc"], row["token_b"]))
            if text == expected:
                break
            await asyncio.sleep(0.5)
        taken_after = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu_before
        peak = await sampler.stop()
        metrics = await server.metrics()
        watcher.cancel()
        proc.stdin.close()
        await proc.wait()
        await server.stop()
        return {
            "transactions": count,
            "client_sent_s": round(sent_after, 2),
            "server_took_all_s": round(taken_after, 2),
            "server_cpu_s": round(cpu, 2),
            "server_cpu_pct_of_one_core": round(100 * cpu / taken_after, 1),
            "server_rss_before_mb": round(rss_before / MB, 1),
            "server_peak_rss_mb": round(peak / MB, 1),
            "frames_paced": int(metrics.get("collab_frames_paced_total", 0)),
            "paced_seconds": round(metrics.get("collab_paced_seconds_total", 0.0), 1),
            "updates_received": int(metrics.get("collab_updates_received_total", 0)),
            "refused_rate_limited": int(metrics.get('collab_refused_frames_total{reason="rate_limited"}', 0)),
            "client_closed_with": closes,
            "text_exact": text == expected,
            "text_chars": len(text),
        }
    finally:
        kill_leftovers()
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=None, help="COLLAB_RATE_PER_SECOND (default: the server's)")
    parser.add_argument("--burst", type=int, default=None, help="COLLAB_RATE_BURST (default: the server's)")
    parser.add_argument("--limit", type=int, default=0, help="replay only the first N transactions")
    parser.add_argument("--trace", default=str(TRACE))
    parser.add_argument("--keep", action="store_true")
    result = asyncio.run(replay(parser.parse_args()))
    for key, value in result.items():
        print(f"  {key:28} {value}")


if __name__ == "__main__":
    main()
