"""The y-websocket messages over plain HTTP, for school networks whose proxy blocks WebSockets.

``POST /sync/doc/{doc}`` opens a session (same authentication and permission checks as the
socket) and joins the room as an ordinary peer; ``POST /sync/doc/{doc}/{session}`` carries the
client's frames; ``GET /sync/doc/{doc}/{session}`` long-polls for the server's. Bodies are
frames, each as a lib0 varUint8Array. A session nobody polls for a minute leaves the room.

With several workers, a session lives on the worker that opened it, and its key names that
worker: a request that reaches another worker is forwarded to it over the bus
(collab.web.http_relay) and served there by the same code as a local one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collab.errors import BadRequest, CollabError, NotFound, RateLimited, ServerError, SessionGone, TooLarge
from collab.realtime.bus import Bus
from collab.realtime.channel import SendQueue
from collab.realtime.protocol import encode_var_bytes, read_var_bytes
from collab.realtime.ratelimit import Pacer
from collab.realtime.room import Peer, Room
from collab.web.access import check_header, signed_in
from collab.web.http_relay import GONE, HttpRelay, Refusal, tag_of
from collab.web.pages import hub_of

log = logging.getLogger(__name__)

#: How long a poll waits for something to say; proxies cut idle requests after ~30 s.
POLL_SECONDS = 20.0
#: A session whose client stopped polling this long ago leaves the room.
IDLE_SECONDS = 60.0
#: Frames a client may send in one request.
_MAX_FRAMES_PER_REQUEST = 256


@dataclass
class HttpSession:
    doc_id: str
    user_id: int
    room: Room
    peer: Peer
    channel: SendQueue
    #: The session's pacing budget, spent by its frames (as a socket's): one request at a time.
    pacer: Pacer
    #: The largest frame the session accepts (the settings').
    max_frame: int
    busy: bool = False
    expiry: asyncio.TimerHandle | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Call:
    """A poll or a send of a client, from the worker it reached to the one holding its session."""

    kind: str  # "poll" or "send"
    key: str
    doc_id: str
    user_id: int
    login: str
    #: A send's frames (read only once the session is known and free).
    body: Callable[[], Awaitable[bytes]] | None = None


@dataclass(frozen=True)
class Answer:
    """A session's answer: the frames waiting (a poll), nothing (a send: 204), or the close
    code and reason of a session that ended (410)."""

    body: bytes = b""
    status: int = 200
    closed: tuple[int, str] | None = None


class HttpSessions:
    """The open HTTP sessions of this process; with a bus, the way to the other workers' ones."""

    def __init__(self) -> None:
        self._sessions: dict[str, HttpSession] = {}
        self.relay: HttpRelay | None = None

    async def connect(self, bus: Bus) -> HttpRelay:
        """Several workers: serve the others' requests for this worker's sessions, and send them
        those for theirs (keys name their worker from now on)."""
        relay = self.relay = HttpRelay(bus, self._serve_forwarded)
        await relay.start()
        return relay

    async def close(self) -> None:
        self.end_all()
        if self.relay is not None:
            await self.relay.close()
            self.relay = None

    def add(self, session: HttpSession) -> str:
        token = secrets.token_urlsafe(18)
        key = token if self.relay is None else f"{self.relay.tag}.{token}"
        self._sessions[key] = session
        self.touch(key)
        return key

    def get(self, key: str, doc_id: str, user_id: int) -> HttpSession:
        session = self._sessions.get(key)
        if session is None or session.doc_id != doc_id or session.user_id != user_id:
            raise SessionGone(GONE)
        self.touch(key)
        return session

    def touch(self, key: str) -> None:
        session = self._sessions[key]
        if session.expiry is not None:
            session.expiry.cancel()
        session.expiry = asyncio.get_running_loop().call_later(IDLE_SECONDS, self.end, key)

    def end(self, key: str) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        if session.expiry is not None:
            session.expiry.cancel()
        session.channel.close(1000, "bye")
        session.room.leave(session.peer)

    def end_all(self) -> None:
        for key in list(self._sessions):
            self.end(key)

    # -- a client's call, wherever its session is ----------------------------------------

    async def call(self, call: Call) -> Answer:
        """Serve ``call`` here, or on the worker its key names (raises what that one raised)."""
        tag = tag_of(call.key) if self.relay is not None else None
        if self.relay is None or tag is None or tag == self.relay.tag:
            return await self._serve(call)
        body = await call.body() if call.body is not None else None
        request = {"kind": call.kind, "key": call.key, "doc": call.doc_id, "user": call.user_id, "login": call.login}
        if body is not None:
            request["body"] = base64.b64encode(body).decode("ascii")
        answer = await self.relay.forward(tag, request)
        if answer.get("error"):
            raise Refusal(answer)
        closed = answer.get("closed")
        return Answer(
            base64.b64decode(answer.get("body", "")),
            int(answer.get("status", 200)),
            (int(closed[0]), str(closed[1])) if isinstance(closed, list) else None,
        )

    async def _serve_forwarded(self, request: dict[str, Any]) -> dict[str, Any]:
        """A request another worker forwarded (collab.web.http_relay), served as a local one."""
        try:
            body = request.get("body")
            frames = base64.b64decode(body) if isinstance(body, str) else None

            async def read() -> bytes:
                return frames or b""

            kind = request.get("kind")
            if kind not in ("poll", "send"):
                raise BadRequest(f"unknown HTTP sync request {kind!r}")
            call = Call(
                str(kind),
                str(request["key"]),
                str(request["doc"]),
                int(request["user"]),
                str(request.get("login", "?")),
                read if kind == "send" else None,
            )
            answer = await self._serve(call)
        except CollabError as exc:
            return Refusal.answer(exc)
        except Exception:
            log.exception("serving a forwarded HTTP sync request failed")
            return Refusal.answer(ServerError("serving a forwarded HTTP sync request failed"))
        return {
            "body": base64.b64encode(answer.body).decode("ascii"),
            "status": answer.status,
            "closed": list(answer.closed) if answer.closed is not None else None,
        }

    async def _serve(self, call: Call) -> Answer:
        if call.kind == "poll":
            return await self._poll(call)
        if call.body is None:
            raise BadRequest("a send carries frames")
        return await self._receive(call, call.body)

    async def _poll(self, call: Call) -> Answer:
        sync = self.get(call.key, call.doc_id, call.user_id)
        with contextlib.suppress(TimeoutError):  # everything waiting, as one body; or nothing after a while
            async with asyncio.timeout(POLL_SECONDS):
                await sync.channel.wait()
        body = b"".join(encode_var_bytes(frame) for frame in sync.channel.take_all())
        if not body and sync.channel.closed is not None:
            self.end(call.key)
            return Answer(status=410, closed=sync.channel.closed)
        return Answer(body)

    async def _receive(self, call: Call, read: Callable[[], Awaitable[bytes]]) -> Answer:
        sync = self.get(call.key, call.doc_id, call.user_id)
        if sync.busy:
            # Our client sends one request at a time; parallel ones would only stack up waits.
            raise RateLimited("one request at a time per HTTP sync session")
        sync.busy = True
        try:
            body = await read()
            try:
                pos = count = 0
                while pos < len(body):
                    frame, pos = read_var_bytes(body, pos)
                    count += 1
                    if count > _MAX_FRAMES_PER_REQUEST:
                        raise BadRequest("too many frames in one request")
                    if len(frame) > sync.max_frame:
                        raise TooLarge(f"frame of {len(frame)} bytes (limit {sync.max_frame})")
                    # Paced as a socket is: the request waits (at most _MAX_FRAMES_PER_REQUEST frames' worth).
                    wait = sync.pacer.reserve_frame(frame)
                    if wait > 0:
                        await sync.pacer.wait(wait)
                        if sync.channel.closed is not None:  # closed meanwhile: the client sends again
                            raise SessionGone("the HTTP sync session closed while its frames were paced")
                    await sync.room.receive(sync.peer, frame)
            except CollabError as exc:
                log.warning("closing HTTP sync of %s on %s with %d: %s", call.login, sync.doc_id, exc.close_code, exc)
                sync.channel.close(exc.close_code, exc.detail)
                self.end(call.key)
                raise
        finally:
            sync.busy = False
        return Answer(status=204)


def _sessions(request: Request) -> HttpSessions:
    sessions: HttpSessions = request.app.state.http_sessions
    return sessions


def _doc_id(request: Request) -> str:
    doc_id = str(request.path_params["doc_id"])
    if not doc_id or len(doc_id) > 200:
        raise NotFound("no such document")
    return doc_id


async def open_session(request: Request) -> Response:
    hub = hub_of(request)
    mark = hub.revocation_mark()
    asker = await signed_in(request)
    check_header(request, asker)
    session = asker.session
    doc_id = _doc_id(request)
    access = await hub.authorize(session.user, doc_id)
    channel = SendQueue(hub.settings.send_queue_bytes, hub.metrics, f"{session.user.login} on {doc_id} (HTTP)")
    room, peer = await hub.join(doc_id, session.user, access, channel, credential=session.credential, since=mark)
    channel.school_id = room.school_id
    sync = HttpSession(doc_id, session.user.id, room, peer, channel, hub.pacer(), hub.settings.max_frame_bytes)
    key = _sessions(request).add(sync)
    log.info("HTTP sync session for %s on %s", session.user.login, doc_id)
    return JSONResponse({"session": key, "access": access.value})


def _response(answer: Answer) -> Response:
    if answer.closed is not None:
        code, reason = answer.closed
        return JSONResponse(
            {"error": "La connexion est fermée.", "detail": reason, "close_code": code}, status_code=answer.status
        )
    if answer.status == 204:
        return Response(status_code=204)
    return Response(answer.body, media_type="application/octet-stream", headers={"Cache-Control": "no-store"})


async def poll(request: Request) -> Response:
    user = (await signed_in(request)).session.user
    call = Call("poll", request.path_params["session"], _doc_id(request), user.id, user.login)
    return _response(await _sessions(request).call(call))


async def receive(request: Request) -> Response:
    asker = await signed_in(request)
    check_header(request, asker)
    user = asker.session.user
    call = Call("send", request.path_params["session"], _doc_id(request), user.id, user.login, request.body)
    return _response(await _sessions(request).call(call))


def http_sync_routes() -> list[Route]:
    return [
        Route("/sync/doc/{doc_id}", open_session, methods=["POST"], name="http_sync"),
        Route("/sync/doc/{doc_id}/{session}", poll, name="http_sync_poll"),
        Route("/sync/doc/{doc_id}/{session}", receive, methods=["POST"], name="http_sync_send"),
    ]
