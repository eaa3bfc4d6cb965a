"""The WebSocket endpoint: authenticate, authorise, then hand the socket to the hub.

Each connection has a bounded send queue (collab.realtime.channel) drained by its own task:
the room never waits for a slow tablet; when the queue is full the connection is closed with 1013.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.datastructures import State
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from collab.errors import BadRequest, CollabError, NotFound, ServerError, TooLarge
from collab.realtime.channel import SendQueue
from collab.realtime.hub import Hub
from collab.realtime.metrics import Metrics
from collab.realtime.ratelimit import Pacer
from collab.realtime.room import Peer, Room
from collab.web.auth import identify

log = logging.getLogger(__name__)


async def _send_frames(channel: SendQueue, send: Send) -> None:
    """Send the queued frames in order until the channel closes; then send the close frame."""
    try:
        while True:
            await channel.wait()
            # what was queued before a close still goes first (an overflow cleared it)
            while (frame := channel.pop()) is not None:
                await send({"type": "websocket.send", "bytes": frame})
            if channel.closed is not None:
                break
        code, reason = channel.closed
        await send({"type": "websocket.close", "code": code, "reason": reason})
    except (RuntimeError, OSError):
        pass  # the peer is gone; the receive loop notices too


DOC_SOCKET_PREFIX = "/ws/doc/"


async def document_socket(scope: Scope, receive: Receive, send: Send, state: State) -> None:
    """``/ws/doc/{doc_id}``: the standard y-websocket protocol for one document.

    Served straight from the ASGI callables, without Starlette's routing and middleware
    wrappers: they cost a fifth of the server's CPU per relayed frame under load.
    """
    hub: Hub = state.hub
    metrics: Metrics = state.metrics
    websocket = WebSocket(scope, receive, send)
    doc_id = scope["path"][len(DOC_SOCKET_PREFIX) :]
    await websocket.accept()
    mark = hub.revocation_mark()  # a credential revoked from now on is refused at the join
    try:
        if not doc_id or "/" in doc_id or len(doc_id) > 200:
            raise NotFound(f"no document {doc_id[:60]!r}")
        identity = await identify(hub.store, websocket)
        user = identity.user
        access = await hub.authorize(user, doc_id)
    except CollabError as exc:
        log.info("refused %s on %s: %s", websocket.client, doc_id[:60], exc.detail)
        await websocket.close(exc.close_code, exc.detail[:120])
        return

    channel = SendQueue(hub.settings.send_queue_bytes, metrics, f"{user.login} on {doc_id}")
    channels: set[SendQueue] = state.channels
    channels.add(channel)
    loop = asyncio.get_running_loop()
    sender = loop.create_task(_send_frames(channel, send))
    handler = asyncio.current_task()
    assert handler is not None
    metrics.connections.inc()
    room = peer = None
    try:
        room, peer = await hub.join(doc_id, user, access, channel, credential=identity.credential, since=mark)
        joined_room, joined_peer = room, peer
        channel.school_id = room.school_id

        def on_close() -> None:
            # Deferred: a channel may close while the room is iterating over its peers.
            loop.call_soon(joined_room.leave, joined_peer)
            if channel.overflowed:
                handler.cancel()  # stop waiting for frames from a tablet that stopped reading

        channel.on_close = on_close
        await _receive_frames(receive, room, peer, channel, hub.settings.max_frame_bytes, hub.pacer())
    except CollabError as exc:
        _refuse(metrics, exc, user.login, doc_id, hub)
        channel.close(exc.close_code, exc.detail)
    except asyncio.CancelledError:
        if not channel.overflowed:
            raise
        handler.uncancel()
    except Exception as exc:
        log.exception("unexpected error on %s for %s", doc_id, user.login)
        _refuse(metrics, ServerError(str(exc)), user.login, doc_id, hub)
        channel.close(ServerError.close_code, "server error")
    finally:
        channel.on_close = None  # break the channel ↔ callback cycle: no GC needed to free them
        if room is not None and peer is not None:
            room.leave(peer)
        channel.close(1000, "bye")
        metrics.connections.dec()
        if channel.overflowed:
            sender.cancel()  # it may wait forever for a tablet that stopped reading
        await asyncio.wait({sender})
        channels.discard(channel)


async def _receive_frames(
    receive: Receive, room: Room, peer: Peer, channel: SendQueue, max_frame: int, pacer: Pacer
) -> None:
    """Handle the socket's frames in order. Beyond the connection's budget, wait before handling a
    frame: uvicorn stops reading the socket while a frame waits, so TCP slows a fast writer down."""
    while not channel.closing:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            raise BadRequest("text frames are not part of the y-websocket protocol")
        if len(data) > max_frame:
            raise TooLarge(f"frame of {len(data)} bytes (limit {max_frame})")
        wait = pacer.reserve_frame(data)
        if wait > 0:
            await pacer.wait(wait)
            if channel.closing:
                return
        await room.receive(peer, data)


def _refuse(metrics: Metrics, exc: CollabError, login: str, doc_id: str, hub: Hub) -> None:
    room = hub.rooms.get(doc_id)
    metrics.refuse(exc.reason, room.school_id if room is not None else None)
    log.warning("closing %s on %s with %d: %s", login, doc_id, exc.close_code, exc.detail)
