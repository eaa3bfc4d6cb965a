"""One connection to Redis kept up: opened from a URL, served until it fails, opened again.

redis-py parses the URL (``redis://``, ``rediss://``, ``unix://``, AUTH, database) and speaks the
protocol; its own retries are turned off (``Retry(NoBackoff(), 0)``: redis-py retries nothing by
default in some versions and everything in others) because :func:`keep_connected` retries, with a
capped, jittered backoff, and the caller decides what a new connection must do first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.backoff import EqualJitterBackoff, NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger(__name__)

#: What a lost or unreachable Redis raises (redis-py's errors, and the socket's).
REDIS_DOWN = (RedisError, OSError)


def connection_factory(url: str, *, timeout: float, name: str) -> Callable[[], AbstractConnection]:
    """New, unopened connections to the Redis at ``url``, named ``name`` (CLIENT LIST shows it).

    RESP2, so that subscription messages are replies; ``timeout`` for connecting and writing;
    TCP keepalive on."""
    options: dict[str, Any] = dict(parse_url(url))
    connection_class: type[AbstractConnection] = options.pop("connection_class", Connection)
    options.update(
        protocol=2,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        socket_keepalive=True,
        client_name=name,
    )
    return lambda: connection_class(**options)


async def keep_connected(
    role: str,
    new_connection: Callable[[], AbstractConnection],
    serve: Callable[[AbstractConnection], Coroutine[Any, Any, None]],
    *,
    closed: Callable[[], bool],
    backoff_cap: float,
) -> None:
    """Connect, ``serve`` until the connection fails, and again, pausing longer after each failed
    attempt (at most ``backoff_cap`` seconds), until ``closed()``."""
    backoff = EqualJitterBackoff(cap=backoff_cap, base=0.05)
    failures = 0
    while not closed():
        connection = new_connection()
        try:
            await connection.connect()  # type: ignore[no-untyped-call]
            if closed():
                return
            if failures:
                log.warning("Redis (%s) reachable again after %d failed attempts", role, failures)
            failures = 0
            await serve(connection)
        except REDIS_DOWN as exc:
            if failures == 0:
                log.warning("Redis (%s) lost or unreachable: %s; retrying", role, exc)
            failures += 1
        except Exception:  # a bug here must not end the worker's messages for good
            log.exception("the %s connection to Redis failed; reconnecting", role)
            failures += 1
        finally:
            with contextlib.suppress(*REDIS_DOWN):
                await connection.disconnect(nowait=True)
        await asyncio.sleep(backoff.compute(failures))


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until they end, cancelling again any that went on: on Python 3.11
    ``asyncio.wait_for``, which redis-py uses to send, drops a cancellation that comes as the
    awaited operation completes (python/cpython#86296), and a task would wait for ever."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)


def retrieve_error(task: asyncio.Task[Any]) -> None:
    """A done callback: a task's error is its connection's end, handled where it is awaited; taken
    here too, so that a task stopped before that is not reported as an error nobody saw."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("%s ended with %r", task.get_name(), task.exception())
