"""The y-websocket messages over plain HTTP, for school networks whose proxy blocks WebSockets.

``POST /sync/doc/{doc}`` opens a session (same authentication and permission checks as the
socket) and joins the room as an ordinary peer; ``POST /sync/doc/{doc}/{session}`` carries the
client's frames; ``GET /sync/doc/{doc}/{session}`` long-polls for the server's. Bodies are
frames, each as a lib0 varUint8Array. A session nobody polls for a minute leaves the room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collab.errors import BadRequest, CollabError, NotFound, RateLimited, SessionGone, TooLarge
from collab.realtime.channel import SendQueue
from collab.realtime.protocol import encode_var_bytes, read_var_bytes
from collab.realtime.ratelimit import Pacer
from collab.realtime.room import Peer, Room
from collab.web.access import check_header, signed_in
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
    busy: bool = False
    expiry: asyncio.TimerHandle | None = field(default=None, repr=False)


class HttpSessions:
    """The open HTTP sessions of this process."""

    def __init__(self) -> None:
        self._sessions: dict[str, HttpSession] = {}

    def add(self, session: HttpSession) -> str:
        key = secrets.token_urlsafe(18)
        self._sessions[key] = session
        self.touch(key)
        return key

    def get(self, key: str, doc_id: str, user_id: int) -> HttpSession:
        session = self._sessions.get(key)
        if session is None or session.doc_id != doc_id or session.user_id != user_id:
            raise SessionGone("unknown or expired HTTP sync session")
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
    key = _sessions(request).add(HttpSession(doc_id, session.user.id, room, peer, channel, hub.pacer()))
    log.info("HTTP sync session for %s on %s", session.user.login, doc_id)
    return JSONResponse({"session": key, "access": access.value})


async def poll(request: Request) -> Response:
    session = (await signed_in(request)).session
    sync = _sessions(request).get(request.path_params["session"], _doc_id(request), session.user.id)
    with contextlib.suppress(TimeoutError):  # everything waiting, as one body; or nothing after a while
        async with asyncio.timeout(POLL_SECONDS):
            await sync.channel.wait()
    body = b"".join(encode_var_bytes(frame) for frame in sync.channel.take_all())
    if not body and sync.channel.closed is not None:
        code, reason = sync.channel.closed
        _sessions(request).end(request.path_params["session"])
        return JSONResponse(
            {"error": "La connexion est fermée.", "detail": reason, "close_code": code}, status_code=410
        )
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": "no-store"})


async def receive(request: Request) -> Response:
    hub = hub_of(request)
    asker = await signed_in(request)
    check_header(request, asker)
    session = asker.session
    key = request.path_params["session"]
    sync = _sessions(request).get(key, _doc_id(request), session.user.id)
    if sync.busy:
        # Our client sends one request at a time; parallel ones would only stack up waits.
        raise RateLimited("one request at a time per HTTP sync session")
    sync.busy = True
    max_frame = hub.settings.max_frame_bytes
    try:
        body = await request.body()
        try:
            pos = count = 0
            while pos < len(body):
                frame, pos = read_var_bytes(body, pos)
                count += 1
                if count > _MAX_FRAMES_PER_REQUEST:
                    raise BadRequest("too many frames in one request")
                if len(frame) > max_frame:
                    raise TooLarge(f"frame of {len(frame)} bytes (limit {max_frame})")
                # Paced as a socket is: the request waits (at most _MAX_FRAMES_PER_REQUEST frames' worth).
                wait = sync.pacer.reserve_frame(frame)
                if wait > 0:
                    await sync.pacer.wait(wait)
                    if sync.channel.closed is not None:  # closed meanwhile: the client sends again
                        raise SessionGone("the HTTP sync session closed while its frames were paced")
                await sync.room.receive(sync.peer, frame)
        except CollabError as exc:
            log.warning(
                "closing HTTP sync of %s on %s with %d: %s", session.user.login, sync.doc_id, exc.close_code, exc
            )
            sync.channel.close(exc.close_code, exc.detail)
            _sessions(request).end(key)
            raise
    finally:
        sync.busy = False
    return Response(status_code=204)


def http_sync_routes() -> list[Route]:
    return [
        Route("/sync/doc/{doc_id}", open_session, methods=["POST"], name="http_sync"),
        Route("/sync/doc/{doc_id}/{session}", poll, name="http_sync_poll"),
        Route("/sync/doc/{doc_id}/{session}", receive, methods=["POST"], name="http_sync_send"),
    ]
