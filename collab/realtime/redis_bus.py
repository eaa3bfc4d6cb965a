"""The bus over Redis pub/sub, for several workers (collab.realtime.bus describes the messages).

Two connections per worker. One publishes: callers queue messages (never waiting), one task
writes whatever is queued as one pipeline of PUBLISH commands and reads their answers. The other
holds every subscription of the worker: one task sends SUBSCRIBE and UNSUBSCRIBE (batched), one
reads and hands each message to its listener. Each connection reconnects by itself with a capped,
jittered backoff; the subscriptions are then made again, and once Redis confirmed them all the
``on_reconnect`` callbacks run. While the publishing connection is down, messages are dropped
and counted: pub/sub keeps nothing for an absent subscriber anyway, and the database fills gaps.

Pub/sub rather than streams: a worker holds up to thousands of rooms, and one pub/sub connection
carries any number of channels for the cost of a message, while reading thousands of streams means
an XREAD over thousands of keys per call; the streams' history is not needed, the log is the truth.

The connections are redis-py's (collab.realtime.redis_link) driven directly, in RESP2, because the
subscription state is this module's: which channels are wanted, which SUBSCRIBE an answer
confirms, when every subscription is back after a reconnection.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from redis.asyncio.connection import AbstractConnection

from collab.realtime.bus import (
    EVENT,
    PRESENCE,
    UPDATE,
    Bus,
    BusCounts,
    DocumentListener,
    EventHandler,
    decode_event,
    decode_frame,
    encode_event,
    encode_frame,
)
from collab.realtime.redis_link import connection_factory, keep_connected, retrieve_error, stop_tasks
from collab.settings import new_worker_id

log = logging.getLogger(__name__)

#: Channels per SUBSCRIBE or UNSUBSCRIBE command.
_CHANNELS_PER_COMMAND = 1000
_KEEPALIVE = b"keepalive"


class RedisBus(Bus):
    """The bus of one worker, over the Redis at ``url`` (``redis://``, ``rediss://``, ``unix://``).

    ``prefix`` names the channels (``<prefix>:doc:<doc_id>``, ``<prefix>:event:<topic>``), so
    that two deployments may share one Redis. ``backoff_cap``: the longest pause between two
    attempts to reconnect. ``ping_seconds``: a subscription connection silent that long is sent a
    PING, and is given up if that goes unanswered as long. ``max_queued``: messages waiting to be
    published beyond which new ones are dropped (Redis too slow)."""

    def __init__(
        self,
        url: str,
        *,
        origin: str | None = None,
        prefix: str = "binome",
        backoff_cap: float = 1.0,
        connect_timeout: float = 2.0,
        ping_seconds: float = 5.0,
        max_queued: int = 10_000,
        batch: int = 512,
    ) -> None:
        self.origin = origin or new_worker_id()
        self._origin = self.origin.encode("ascii")
        self.counts = BusCounts()
        self._url = url
        self._connect_timeout = connect_timeout
        self._backoff_cap = backoff_cap
        self._ping_seconds = ping_seconds
        self._max_queued = max_queued
        self._batch = batch
        self._doc_prefix = f"{prefix}:doc:".encode()
        self._topic_prefix = f"{prefix}:event:".encode()
        # Subscriptions: what is wanted (a listener or handlers per channel) ...
        self._documents: dict[bytes, DocumentListener] = {}
        self._topics: dict[bytes, list[EventHandler]] = {}
        # ... what must be sent, who waits for the next SUBSCRIBE of a channel, and who for the
        # answers of those sent (one list per SUBSCRIBE sent, oldest first: Redis answers in order).
        self._changed: set[bytes] = set()
        self._waiting: dict[bytes, list[asyncio.Future[bool]]] = {}
        self._sent: dict[bytes, collections.deque[list[asyncio.Future[bool]]]] = {}
        self._on_server: set[bytes] = set()
        self._subscriber: AbstractConnection | None = None
        self._ready = False
        self._resync_token = b""
        self._tokens = itertools.count(1)
        #: Answers read on the subscription connection (the keepalive watches it move).
        self._heard = 0
        self._ever_ready = False
        self._started = False
        self._closed = False
        self._callbacks: list[Callable[[], None]] = []
        # Publishing.
        self._outbox: collections.deque[tuple[bytes, bytes]] = collections.deque()
        self._publisher_up = False
        self._publisher_stale = False
        self._tasks: list[asyncio.Task[None]] = []
        self._sub_wakeup: asyncio.Event | None = None
        self._pub_wakeup: asyncio.Event | None = None
        self._healthy_event: asyncio.Event | None = None

    # -- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._tasks:
            return
        self._sub_wakeup, self._pub_wakeup, self._healthy_event = asyncio.Event(), asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for role, serve in (("subscriptions", self._serve_subscriptions), ("publishing", self._serve_publishing)):
            connect = connection_factory(self._url, timeout=self._connect_timeout, name=f"binome-{role}-{self.origin}")
            run = keep_connected(role, connect, serve, closed=lambda: self._closed, backoff_cap=self._backoff_cap)
            self._tasks.append(loop.create_task(run, name=f"bus-{role}"))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._connect_timeout):
                await self._healthy_event.wait()
        if not self.healthy:
            log.warning("Redis is not reachable yet: the bus goes on trying (cross-worker rooms wait)")
        self._started = True

    async def close(self) -> None:
        self._closed = True
        self._wake(self._sub_wakeup)
        self._wake(self._pub_wakeup)
        await stop_tasks(self._tasks)
        self._tasks = []
        self._documents.clear()
        self._topics.clear()

    @property
    def healthy(self) -> bool:
        return self._ready and self._publisher_up

    @property
    def queued(self) -> int:
        """Messages waiting to be published (a gauge: Redis keeping up or not)."""
        return len(self._outbox)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _wake(self, event: asyncio.Event | None) -> None:
        if event is not None:
            event.set()

    def _healthy_now(self) -> None:
        if self.healthy and self._healthy_event is not None:
            self._healthy_event.set()

    # -- publishing ----------------------------------------------------------------------

    def publish_update(self, doc_id: str, seq: int, update: bytes) -> None:
        self._publish(self._doc_prefix + doc_id.encode(), encode_frame(UPDATE, self._origin, update, seq))

    def publish_presence(self, doc_id: str, frame: bytes) -> None:
        self._publish(self._doc_prefix + doc_id.encode(), encode_frame(PRESENCE, self._origin, frame))

    def publish_document_event(self, doc_id: str, payload: dict[str, Any]) -> None:
        self._publish(self._doc_prefix + doc_id.encode(), encode_event(self._origin, payload))

    def publish_event(self, topic: str, payload: dict[str, Any]) -> None:
        self._publish(self._topic_prefix + topic.encode(), encode_event(self._origin, payload))

    def _publish(self, channel: bytes, message: bytes) -> None:
        if not self._publisher_up or len(self._outbox) >= self._max_queued:
            self.counts.dropped += 1
            return
        self._outbox.append((channel, message))
        self._wake(self._pub_wakeup)

    async def _serve_publishing(self, connection: AbstractConnection) -> None:
        """Publish what is queued, as one pipeline at a time, until the connection fails."""
        assert self._pub_wakeup is not None
        self._publisher_up, self._publisher_stale = True, False
        self._healthy_now()
        sending = 0
        try:
            while not self._closed:
                if self._publisher_stale:
                    raise ConnectionError("the subscription connection was lost: renewing this one too")
                if not self._outbox:
                    self._pub_wakeup.clear()
                    await self._pub_wakeup.wait()
                    continue
                batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), self._batch))]
                sending = len(batch)
                commands = [(b"PUBLISH", channel, message) for channel, message in batch]
                await connection.send_packed_command(connection.pack_commands(commands), check_health=False)
                async with asyncio.timeout(self._connect_timeout):  # one timer for the batch's answers
                    for _ in batch:
                        await connection.read_response(timeout=math.inf)
                self.counts.published += sending
                sending = 0
        finally:
            self._publisher_up = False
            self.counts.dropped += sending + len(self._outbox)
            self._outbox.clear()

    # -- subscriptions -------------------------------------------------------------------

    async def subscribe_document(self, doc_id: str, listener: DocumentListener) -> bool:
        channel = self._doc_prefix + doc_id.encode()
        self._documents[channel] = listener
        return await self._subscribe(channel)

    def unsubscribe_document(self, doc_id: str, listener: DocumentListener) -> None:
        channel = self._doc_prefix + doc_id.encode()
        if self._documents.get(channel) is listener:
            del self._documents[channel]
            self._changed.add(channel)
            self._wake(self._sub_wakeup)

    async def subscribe_events(self, topic: str, handler: EventHandler) -> bool:
        channel = self._topic_prefix + topic.encode()
        self._topics.setdefault(channel, []).append(handler)
        return await self._subscribe(channel)

    def unsubscribe_events(self, topic: str, handler: EventHandler) -> None:
        channel = self._topic_prefix + topic.encode()
        handlers = self._topics.get(channel, [])
        if handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self._topics[channel]
                self._changed.add(channel)
                self._wake(self._sub_wakeup)

    async def _subscribe(self, channel: bytes) -> bool:
        if self._subscriber is None or self._closed:
            return False  # made when Redis is back, then the on_reconnect callbacks run
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(channel, []).append(future)
        self._changed.add(channel)
        self._wake(self._sub_wakeup)
        try:
            async with asyncio.timeout(self._connect_timeout):
                return await future
        except TimeoutError:  # a connection dying unnoticed yet: the keepalive will see it
            return False

    def _wanted(self, channel: bytes) -> bool:
        return channel in self._documents or channel in self._topics

    async def _serve_subscriptions(self, connection: AbstractConnection) -> None:
        """Subscribe again to every channel wanted, then send and read until the connection fails."""
        self._subscriber = connection
        self._changed.clear()
        channels = [*self._documents, *self._topics]
        for channel in channels:
            self._sent.setdefault(channel, collections.deque()).append([])
        self._on_server = set(channels)
        self._resync_token = f"resync-{next(self._tokens)}".encode()
        commands: list[tuple[bytes, ...]] = [
            (b"SUBSCRIBE", *channels[i : i + _CHANNELS_PER_COMMAND])
            for i in range(0, len(channels), _CHANNELS_PER_COMMAND)
        ]
        # Redis answers in order: the PING's answer means every SUBSCRIBE before it is made.
        commands.append((b"PING", self._resync_token))
        try:
            await connection.send_packed_command(connection.pack_commands(commands), check_health=False)
            tasks = [
                asyncio.create_task(self._send_subscriptions(connection), name="bus-subscribe"),
                asyncio.create_task(self._read_messages(connection), name="bus-reader"),
            ]
            for task in tasks:
                task.add_done_callback(retrieve_error)
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await stop_tasks(tasks)
            for task in done:
                task.result()  # the error that ended the connection
        finally:
            self._lost_subscriptions()

    def _lost_subscriptions(self) -> None:
        self._subscriber = None
        self._ready = False
        waiting = [f for futures in self._waiting.values() for f in futures]
        waiting += [f for sent in self._sent.values() for futures in sent for f in futures]
        for future in waiting:
            if not future.done():
                future.set_result(False)
        self._waiting.clear()
        self._sent.clear()
        self._on_server.clear()
        self._changed.clear()
        if self._publisher_up:  # Redis itself is probably gone: do not publish into a dead socket
            self._publisher_stale = True
            self._wake(self._pub_wakeup)

    async def _send_subscriptions(self, connection: AbstractConnection) -> None:
        """Send the subscriptions asked for; and a PING when the connection was silent for
        ``ping_seconds``, giving it up when that is not answered as long (a frozen Redis, a
        network that drops packets without a word: the socket alone would wait for ever)."""
        assert self._sub_wakeup is not None
        loop = asyncio.get_running_loop()
        heard, silent_since = self._heard, loop.time()
        pinged_at: float | None = None
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_seconds):
                    await self._sub_wakeup.wait()
            self._sub_wakeup.clear()
            commands = self._subscription_commands()
            now = loop.time()
            if self._heard != heard:
                heard, silent_since, pinged_at = self._heard, now, None
            elif pinged_at is not None and now - pinged_at >= self._ping_seconds:
                raise ConnectionError(f"Redis did not answer a PING within {self._ping_seconds} s")
            elif pinged_at is None and now - silent_since >= self._ping_seconds:
                commands.append((b"PING", _KEEPALIVE))
                pinged_at = now
            if commands:
                if not connection.is_connected:  # redis-py would reconnect it silently, unsubscribed
                    raise ConnectionError("the subscription connection is closed")
                await connection.send_packed_command(connection.pack_commands(commands), check_health=False)

    def _subscription_commands(self) -> list[tuple[bytes, ...]]:
        changed, self._changed = self._changed, set()
        subscribe, unsubscribe = [], []
        for channel in changed:
            waiting = self._waiting.pop(channel, [])
            if self._wanted(channel):
                if waiting or channel not in self._on_server:
                    self._sent.setdefault(channel, collections.deque()).append(waiting)
                    self._on_server.add(channel)
                    subscribe.append(channel)
            else:
                for future in waiting:  # unsubscribed before it was sent: nothing to wait for
                    if not future.done():
                        future.set_result(True)
                if channel in self._on_server:
                    self._on_server.discard(channel)
                    unsubscribe.append(channel)
        commands: list[tuple[bytes, ...]] = []
        for verb, channels in ((b"SUBSCRIBE", subscribe), (b"UNSUBSCRIBE", unsubscribe)):
            for i in range(0, len(channels), _CHANNELS_PER_COMMAND):
                commands.append((verb, *channels[i : i + _CHANNELS_PER_COMMAND]))
        return commands

    async def _read_messages(self, connection: AbstractConnection) -> None:
        while True:
            reply = await connection.read_response(timeout=math.inf, disconnect_on_error=False)
            self._heard += 1
            self._handle_reply(reply)

    def _handle_reply(self, reply: Any) -> None:
        if isinstance(reply, bytes):  # PING's answer on a connection with no subscription
            self._pong(reply)
            return
        if not isinstance(reply, list) or len(reply) < 2:
            log.warning("unexpected answer on the subscription connection: %r", reply)
            return
        kind = reply[0]
        if kind == b"message" and len(reply) == 3:
            self._dispatch(reply[1], reply[2])
        elif kind == b"subscribe":
            sent = self._sent.get(reply[1])
            if sent:
                for future in sent.popleft():
                    if not future.done():
                        future.set_result(True)
                if not sent:
                    del self._sent[reply[1]]
        elif kind == b"pong":
            self._pong(reply[1])

    def _pong(self, token: bytes) -> None:
        if token != self._resync_token or self._ready:
            return
        self._ready = True
        if self._ever_ready:
            self.counts.reconnections += 1
        self._ever_ready = True
        self._healthy_now()
        if self._started:
            self._call(self._callbacks)

    def _call(self, callbacks: Iterable[Callable[[], None]]) -> None:
        for callback in list(callbacks):
            try:
                callback()
            except Exception:
                self.counts.handler_errors += 1
                log.exception("a bus callback failed")

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        """Hand one message to its listener; a malformed one is logged and dropped."""
        listener = self._documents.get(channel)
        handlers = self._topics.get(channel)
        if listener is None and handlers is None:
            return  # unsubscribed while it was on its way
        try:
            frame = decode_frame(data)
            if frame.origin == self.origin:
                return
            payload = decode_event(frame.body) if frame.kind == EVENT else None
            if handlers is not None and payload is None:
                raise ValueError("a topic carries events only")
        except ValueError as exc:
            self.counts.malformed += 1
            log.warning("dropped a malformed message of %d bytes on %r: %s", len(data), channel[:80], exc)
            return
        self.counts.received += 1
        try:
            if listener is not None:
                if frame.kind == UPDATE:
                    listener.remote_update(frame.seq, frame.body, frame.origin)
                elif frame.kind == PRESENCE:
                    listener.remote_presence(frame.body, frame.origin)
                elif payload is not None:
                    listener.remote_event(payload, frame.origin)
            elif handlers is not None and payload is not None:
                for handler in list(handlers):
                    try:
                        handler(payload)
                    except Exception:
                        self.counts.handler_errors += 1
                        log.exception("the handler of an event on %r failed", channel[:80])
        except Exception:
            self.counts.handler_errors += 1
            log.exception("the listener of %r failed", channel[:80])
