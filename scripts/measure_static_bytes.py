"""The bytes a tablet downloads to open the pupils' writing room, first and second visit (issue 13,
point 15), in Chromium at tablet size.

A fresh ``collab serve`` of the repository to measure (its own code, a seeded demo school) in a
temporary folder; Léa signed in; her room opened in a new browser context (empty cache), then
opened again in a new tab of the same context (the cache and the service worker of the first
visit kept). Each visit counts, for every request that went to the network:

* requests of the page: Chrome DevTools Protocol ``Network.loadingFinished`` → ``encodedDataLength``
  (headers + body as received, compressed or not); a request still streaming when the visit ends
  (the audio's ``preload=metadata``) counts the ``Network.dataReceived`` bytes so far; answers
  from the service worker or the browser's cache count 0;
* the dictation's audio (``/media/…``) is shown apart: Chromium fetches the whole file for its
  player on each visit unless a cache answers, before as after;
* requests the service worker itself sends to the network (not seen by the page's DevTools
  session): Playwright's ``request.sizes()`` of the worker's requests (the same CDP figures, from
  the worker's own session).

A visit ends when the room is ready (``#room[data-ready=true]``), the service worker has kept it
(when there is one), and the network has been idle for 500 ms.

Not counted: the service worker's own script (``/sw.js``, about 2 KB compressed, then a
revalidation of a few hundred bytes per visit), which DevTools reports without its size.

Usage, from a repository (``--repo`` serves another checkout's code, to compare)::

    .venv/bin/python scripts/measure_static_bytes.py [--repo DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from serving import free_port, serve

ROOT = Path(__file__).resolve().parent.parent
TABLET = {"width": 768, "height": 1024}


class Visit:
    """The network bytes of one visit, per URL."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.streamed: dict[str, int] = defaultdict(int)
        self.finished: dict[str, int] = {}
        self.worker: list[tuple[str, int]] = []
        self.answered_here: set[str] = set()  # by the service worker or the disk cache: no network bytes

    def response(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]
        if event["response"].get("fromServiceWorker") or event["response"].get("fromDiskCache"):
            self.answered_here.add(event["requestId"])

    def data(self, event: dict[str, Any]) -> None:
        # Streamed answers (media) often report their bytes in dataLength only; audio is never
        # content-coded, so the two are the same bytes.
        self.streamed[event["requestId"]] += max(event["encodedDataLength"], event["dataLength"])

    def done(self, event: dict[str, Any]) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def rows(self) -> list[tuple[str, int]]:
        rows = []
        for request_id, url in self.urls.items():
            if url.startswith("data:"):
                continue
            size = self.finished.get(request_id, self.streamed.get(request_id, 0))
            if request_id in self.answered_here:
                size = 0
            rows.append((url, size))
        return rows + self.worker

    def total(self, media: bool = True) -> int:
        return sum(size for url, size in self.rows() if media or "/media/" not in url)


def measure(repo: Path) -> dict[str, Any]:
    sys.path.insert(0, str(repo))
    from playwright.sync_api import Request, sync_playwright

    from tests.support.server import make_settings, run_async
    from tests.support.web import browser as web_browser
    from tests.support.web import seed_demo_school, sign_in_as

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp) / "data")
        school = run_async(seed_demo_school, settings)
        with web_browser(settings) as client:
            cookie = sign_in_as(client, "lea", school)
        port = free_port()
        proc = serve(repo, settings.data_dir, port)
        base = f"http://127.0.0.1:{port}"
        room = f"{base}/ecrire/{school.lea_doc}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                context = browser.new_context(viewport=TABLET, has_touch=True, locale="fr-FR")
                context.add_cookies([{"name": "binome_session", "value": cookie, "url": base}])
                visits: list[Visit] = []

                def worker_request(request: Request) -> None:
                    if request.service_worker is not None and visits:
                        sizes = request.sizes()
                        body = max(0, sizes["responseBodySize"])  # negative: from the browser's cache
                        if body:
                            size = body + sizes["responseHeadersSize"]
                            visits[-1].worker.append((request.url + " (service worker)", size))

                context.on("requestfinished", worker_request)
                for _ in range(2):
                    visit = Visit()
                    visits.append(visit)
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.on("Network.responseReceived", visit.response)
                    cdp.on("Network.dataReceived", visit.data)
                    cdp.on("Network.loadingFinished", visit.done)
                    cdp.send("Network.enable")
                    page.goto(room)
                    page.wait_for_selector("#room[data-ready=true]", timeout=30_000)
                    if page.evaluate("!!document.querySelector('script[src*=\"/offline.\"]')"):
                        page.wait_for_selector("html[data-offline=ready]", state="attached", timeout=30_000)
                    page.wait_for_load_state("networkidle")
                    cdp.detach()
                    page.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(20)
    return {
        f"visit {n}": {
            "total": visit.total(),
            "without audio": visit.total(media=False),
            "requests": [{"url": urlsplit(url).path or url, "bytes": size} for url, size in visit.rows()],
        }
        for n, visit in enumerate(visits, 1)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose code is served")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = measure(args.repo.resolve())
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, visit in result.items():
        print(f"{name}: {visit['total']:,} bytes ({visit['without audio']:,} without the dictation's audio)")
        for row in visit["requests"]:
            print(f"  {row['bytes']:>9,}  {row['url']}")


if __name__ == "__main__":
    main()
