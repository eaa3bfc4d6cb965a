"""How Binôme runs under uvicorn (shared by ``collab serve``, the tests and the benchmark).

One process (the embedded default) runs the app in ``collab serve`` itself. Several workers
(``--workers N``, on PostgreSQL and Redis) run under uvicorn's supervisor
(:class:`uvicorn.supervisors.Multiprocess`): it binds the port once, starts N processes that
share it (the kernel hands each new connection to one of them), starts a new process when one
dies, and stops them all on SIGINT / SIGTERM. Each process builds its app with
:func:`worker_app` from the very settings the parent parsed (pickled to it by
``multiprocessing``), and draws its own worker id.
"""

from __future__ import annotations

import copy
import functools
import gc
import logging
import re
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from collab.app import BinomeApp, create_app
from collab.settings import Settings, new_worker_id

log = logging.getLogger(__name__)

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


def configure_logging(settings: Settings) -> None:
    """Our loggers' format and level, with tokens redacted (in ``collab serve`` and in each worker)."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_root_handlers()


def worker_app(settings: Settings) -> BinomeApp:
    """The app of one worker process, called by uvicorn in each process its supervisor starts
    (and again in the process that replaces a dead one): the parent's settings, this process's
    own worker id."""
    settings = settings.with_overrides(worker_id=new_worker_id())
    configure_logging(settings)
    app = create_app(settings)
    log.info("worker %s started", settings.worker_id)
    # Long-lived objects (modules, the app) need no more scanning by the cyclic GC.
    gc.freeze()
    return app


def uvicorn_config(settings: Settings, *, port: int | None = None) -> uvicorn.Config:
    """uvicorn's configuration: the app itself for one process; for several workers, a factory
    that each worker process calls (uvicorn pickles the configuration to every process)."""
    several = settings.workers > 1
    app: Any = functools.partial(worker_app, settings) if several else create_app(settings)
    return uvicorn.Config(
        app,
        factory=several,
        workers=settings.workers,
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
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
    )


def serve(settings: Settings) -> int:
    """Serve until SIGINT / SIGTERM: in this process, or in ``settings.workers`` worker processes
    on one port. The exit status is 3 when the server (or a worker) could not start."""
    config = uvicorn_config(settings)
    if settings.workers == 1:
        gc.freeze()
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    failed = any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
    return STARTUP_FAILURE if failed else 0
