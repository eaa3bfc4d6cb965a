"""How Binôme runs under uvicorn (shared by ``collab serve``, the tests and the benchmark)."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from collab.app import create_app
from collab.settings import Settings

#: ``?token=…`` (or ``&access_token=…``) in a logged URL: what follows ``=`` is a credential.
_TOKEN_IN_URL = re.compile(r"([?&](?:access_)?token=)[^&\s\"']*", re.IGNORECASE)
REDACTED = "[masqué]"


def redact_tokens(text: str) -> str:
    return _TOKEN_IN_URL.sub(r"\g<1>" + REDACTED, text)


class RedactTokens(logging.Filter):
    """Takes bearer tokens out of URLs in log records (uvicorn logs every WebSocket's path with
    its query string), so that no log line ever holds a usable token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "token=" in record.msg.lower():
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with tokens redacted on its loggers and handlers."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": RedactTokens}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_tokens"]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        config["loggers"].setdefault(name, {})["filters"] = ["redact_tokens"]
    return config


def redact_root_handlers() -> None:
    """Our own loggers write through the root handlers: tokens are taken out there too."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


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
        log_config=log_config(),
        log_level=settings.log_level,
        access_log=False,
        backlog=4096,
        timeout_graceful_shutdown=10,
    )
