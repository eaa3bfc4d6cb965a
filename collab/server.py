"""How Binôme runs under uvicorn (shared by ``collab serve``, the tests and the benchmark)."""

from __future__ import annotations

import uvicorn

from collab.app import create_app
from collab.settings import Settings


def uvicorn_config(settings: Settings, *, port: int | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port if port is None else port,
        ws="websockets-sansio",
        # Our own cap answers 4413 with a log line; uvicorn's (twice as large) answers 1009
        # before a huge frame is even buffered.
        ws_max_size=settings.max_frame_bytes * 2,
        # Updates are tiny: compression costs more CPU and ~40 KB per connection than it saves.
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        http="httptools",
        loop="uvloop",
        lifespan="on",
        log_level=settings.log_level,
        access_log=False,
        backlog=4096,
        timeout_graceful_shutdown=10,
    )
