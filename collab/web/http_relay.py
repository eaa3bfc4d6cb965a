"""The HTTP fallback across workers: a request for a session another worker holds, carried to it
over the bus (collab.realtime.bus) and answered as if it were local.

Behind a load balancer without sticky sessions (or ``--workers N`` on one port), a client's
requests land on any worker, but its HTTP sync session (a peer in a room) lives in the memory of
the worker that opened it. That worker's short id (:func:`worker_tag`, derived from its bus
origin) starts the session's key, before the random part. A worker asked about another's session
publishes the request on that worker's topic ``http:<tag>``, with a number and its own reply
topic ``http-reply:<tag>``; the owner serves it as a local one (collab.web.http_sync: same checks
of user and document, same pacing, same one-request-at-a-time rule, same limits) and publishes
the answer. The owner says at once that it is working on the request, then every
:data:`HEARTBEAT_SECONDS` until it answers: a worker that died, a tag that names no worker, or a
bus that lost Redis say nothing, and the request ends as for an expired session
(:class:`collab.errors.SessionGone`: the client opens a new one).

The messages are small JSON objects this module does not read beyond ``id`` and ``reply_to``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import string
from collections.abc import Awaitable, Callable
from typing import Any

from collab.errors import CollabError, SessionGone
from collab.realtime.bus import Bus

log = logging.getLogger(__name__)

#: How long a worker waits for the owner's first word about a forwarded request.
ACK_SECONDS = 3.0
#: How often an owner says it is still working on a forwarded request (a long poll, paced frames).
HEARTBEAT_SECONDS = 4.0
#: How long a worker waits for the owner's next word before taking it for dead.
SILENCE_SECONDS = 2.5 * HEARTBEAT_SECONDS
#: How long a closing worker lets the requests it serves answer.
CLOSING_SECONDS = 1.0
#: Why a session is gone, wherever it was (one answer: the client cannot tell the cases apart).
GONE = "unknown or expired HTTP sync session"
#: Hex digits of a worker's tag in a session key.
TAG_LENGTH = 12
_HEX = frozenset(string.hexdigits.lower())

#: What the owner does with a forwarded request: its answer (never raises; a JSON object).
Serve = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def worker_tag(origin: str) -> str:
    """The short id of the worker whose bus origin is ``origin``, as session keys name it."""
    return hashlib.sha256(origin.encode()).hexdigest()[:TAG_LENGTH]


def tag_of(key: str) -> str | None:
    """The worker a session key names (None: a key of no worker's form)."""
    tag, dot, rest = key.partition(".")
    if not dot or not rest or len(tag) != TAG_LENGTH or not set(tag) <= _HEX:
        return None
    return tag


class Refusal(CollabError):
    """The error the session's worker answered a forwarded request with, as it would have shown
    it (status, message, detail, close code): the client gets the same answer as from that worker."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(str(answer.get("detail") or "refused by the session's worker"))
        self.status = int(answer.get("status", 500))
        self.close_code = int(answer.get("close_code", 1011))
        self.reason = str(answer.get("reason", "server_error"))
        self.public_message = str(answer.get("message", CollabError.public_message))

    @staticmethod
    def answer(error: CollabError) -> dict[str, Any]:
        """What the session's worker answers for ``error`` (see :meth:`__init__`)."""
        return {
            "error": True,
            "status": error.status,
            "close_code": error.close_code,
            "reason": error.reason,
            "message": error.public_message,
            "detail": error.detail,
        }


def _request_topic(tag: str) -> str:
    return f"http:{tag}"


def _reply_topic(tag: str) -> str:
    return f"http-reply:{tag}"


class HttpRelay:
    """This worker's side of the forwarded HTTP sync requests: those it sends to their session's
    worker (:meth:`forward`), and those it serves for the others (with ``serve``)."""

    def __init__(self, bus: Bus, serve: Serve) -> None:
        self.bus = bus
        self.tag = worker_tag(bus.origin)
        self._serve = serve
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self._serving: set[asyncio.Task[None]] = set()
        #: Requests this worker forwarded, and those it served for others.
        self.forwarded = 0
        self.served = 0

    async def start(self) -> None:
        await self.bus.subscribe_events(_request_topic(self.tag), self._requested)
        await self.bus.subscribe_events(_reply_topic(self.tag), self._replied)

    async def close(self) -> None:
        """Stop: the requests being served get their answers (the sessions were ended: they say
        so) for at most :data:`CLOSING_SECONDS`; those forwarded from here end as SessionGone."""
        self.bus.unsubscribe_events(_request_topic(self.tag), self._requested)
        if self._serving:
            await asyncio.wait(set(self._serving), timeout=CLOSING_SECONDS)
        for task in list(self._serving):
            task.cancel()
        await asyncio.gather(*self._serving, return_exceptions=True)
        self.bus.unsubscribe_events(_reply_topic(self.tag), self._replied)
        for words in self._waiting.values():
            words.put_nowait({"gone": True})

    # -- as the worker a client asked --------------------------------------------------------

    async def forward(self, tag: str, request: dict[str, Any]) -> dict[str, Any]:
        """The answer of worker ``tag`` to ``request``; SessionGone if it does not answer."""
        number = next(self._ids)
        words: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._waiting[number] = words
        self.forwarded += 1
        try:
            if not self.bus.healthy:  # nothing would go, nor come back
                raise SessionGone(GONE)
            self.bus.publish_event(_request_topic(tag), {**request, "id": number, "reply_to": self.tag})
            wait = ACK_SECONDS
            while True:
                try:
                    async with asyncio.timeout(wait):
                        word = await words.get()
                except TimeoutError:
                    log.info("the worker %s holding an HTTP sync session did not answer", tag)
                    raise SessionGone(GONE) from None
                answer = word.get("answer")
                if isinstance(answer, dict):
                    return answer
                if word.get("gone"):  # this worker is stopping
                    raise SessionGone(GONE)
                wait = SILENCE_SECONDS
        finally:
            del self._waiting[number]

    def _replied(self, word: dict[str, Any]) -> None:
        """A word about a forwarded request (on the bus's reader: quick)."""
        number = word.get("id")
        words = self._waiting.get(number) if isinstance(number, int) else None
        if words is not None:
            words.put_nowait(word)

    # -- as the worker holding the session -----------------------------------------------------

    def _requested(self, request: dict[str, Any]) -> None:
        number, reply_to = request.get("id"), request.get("reply_to")
        if not isinstance(number, int) or not isinstance(reply_to, str) or tag_of(f"{reply_to}.x") is None:
            log.warning("dropped a forwarded HTTP sync request without its number or reply topic")
            return
        task = asyncio.get_running_loop().create_task(self._answer(number, reply_to, request))
        self._serving.add(task)
        task.add_done_callback(self._serving.discard)

    async def _answer(self, number: int, reply_to: str, request: dict[str, Any]) -> None:
        topic = _reply_topic(reply_to)
        self.served += 1
        serving = asyncio.ensure_future(self._serve(request))
        try:
            while True:
                self.bus.publish_event(topic, {"id": number})  # working on it
                done, _ = await asyncio.wait({serving}, timeout=HEARTBEAT_SECONDS)
                if done:
                    break
        finally:
            if not serving.done():
                serving.cancel()
        self.bus.publish_event(topic, {"id": number, "answer": serving.result()})
