"""The teacher's live dashboard of a task: one socket per dashboard (the class feed), the actions
(lock, message to a pair, end the task) and the replay of how a pair's text was written."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from collab.dashboard.feed import ClassFeeds
from collab.dashboard.replay import replay_steps
from collab.errors import CollabError, InvalidInput, Locked, NotFound
from collab.models import DocStatus, SchoolClass
from collab.people import pair_authors
from collab.policy import Action
from collab.states import text_state
from collab.web.access import OnDocument, load_class_work, load_task, task_for
from collab.web.auth import identify
from collab.web.notices import redirect_with_notice
from collab.web.pages import form_text, hub_of, path_id, render, store_of
from collab.words import time_fr

log = logging.getLogger(__name__)

MAX_MESSAGE = 200


# -- the page and its feed -----------------------------------------------------------------------


async def dashboard(request: Request) -> Response:
    on = await load_task(request, Action.READ_CLASS_WORK)
    session, task, klass = on.session, on.task, on.klass
    feed_url = str(request.url_for("task_feed", task_id=task.id)).replace("http", "ws", 1)
    config = {
        "feed": feed_url,
        "csrf": session.csrf_token,
        "lockAll": str(request.url_for("lock_task", task_id=task.id)),
        "lockOne": str(request.url_for("lock_document", task_id=task.id, doc_id="DOC")),
        "message": str(request.url_for("pair_message", task_id=task.id, doc_id="DOC")),
        "room": str(request.url_for("writing_room", doc_id="DOC")),
        "replay": str(request.url_for("replay_page", doc_id="DOC")),
        "end": str(request.url_for("end_task", task_id=task.id)),
    }
    context = {"task": task, "klass": klass, "config": config}
    return render(request, "teacher/dashboard.html", context, session=session)


async def task_feed(websocket: WebSocket) -> None:
    """``/ws/tableau/{task_id}``: JSON messages, a snapshot then updates of the changed pairs."""
    hub = hub_of(websocket)
    await websocket.accept()
    mark = hub.revocation_mark()
    try:
        store = store_of(websocket)
        identity = await identify(store, websocket)
        task, _ = await task_for(store, identity.user, path_id(websocket, "task_id"), Action.READ_CLASS_WORK)
    except CollabError as exc:
        await websocket.close(exc.close_code, exc.detail[:120])
        return
    closing: set[asyncio.Task[None]] = set()

    def close(error: CollabError) -> None:
        # The hub revoked this dashboard's credential: close the socket (the loop below ends).
        closer = asyncio.get_running_loop().create_task(websocket.close(error.close_code, error.detail[:120]))
        closing.add(closer)
        closer.add_done_callback(closing.discard)

    feeds: ClassFeeds = websocket.app.state.feeds
    feed, screen = await feeds.subscribe(
        task, websocket.send_text, user_id=identity.user.id, credential=identity.credential, close=close
    )
    revoked, _ = hub.changes_since(mark, identity.user.id, identity.credential)
    if revoked is not None:  # signed out while this dashboard was opening
        feeds.unsubscribe(feed, screen)
        await websocket.close(revoked.close_code, revoked.detail[:120])
        return
    sender = None
    try:
        # RuntimeError: the hub closed the socket (rights revoked) while it was being used.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.send_text(screen.first(feed.snapshot()))
            sender = asyncio.get_running_loop().create_task(screen.run())
            while True:
                await websocket.receive_text()  # nothing is expected: this notices the close
    finally:
        feeds.unsubscribe(feed, screen)
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender


# -- actions ------------------------------------------------------------------------------------


async def pair_message(request: Request) -> Response:
    """POST ``text``: a short message shown on the pair's screens (while they are connected)."""
    hub = hub_of(request)
    form = await request.form()
    task = (await load_task(request, Action.TEACH_CLASS, form)).task
    doc_id = request.path_params["doc_id"]
    if doc_id not in {d.doc_id for d in await store_of(request).tasks.documents(task.id)}:
        raise NotFound(f"{doc_id} is not a document of task {task.id}")
    text = form_text(form, "text", MAX_MESSAGE)
    if not text:
        raise InvalidInput("Écrivez un message.")
    if not await hub.say(doc_id, {"message": {"text": text, "at": time.time()}}):
        raise Locked("the pair is not connected")  # on no worker
    return JSONResponse({"sent": True})


async def end_task(request: Request) -> Response:
    """POST: writing closes for every pair now; texts without both agreements stay unpublished."""
    hub, store = hub_of(request), store_of(request)
    task = (await load_task(request, Action.TEACH_CLASS, await request.form())).task
    now = time.time()
    await store.tasks.end(task.id, now)
    for document in await store.tasks.documents(task.id):
        if document.draft > 1 and document.status == DocStatus.OPEN.value:
            # later drafts have no writing window of their own: ending the task locks them
            await hub.set_status(document.doc_id, DocStatus.LOCKED)
        room = hub.rooms.get(document.doc_id)
        if room is not None:
            room.close_writers(Locked(f"task {task.id} ended"))
    request.app.state.feeds.ended(task.id)
    url = request.url_for("task_list", class_id=task.class_id)
    return redirect_with_notice(request, url, "tache-terminee")


# -- replay -------------------------------------------------------------------------------------


async def _replayable(request: Request) -> tuple[OnDocument, list[dict[str, Any]], SchoolClass | None]:
    """A text of the URL for its class's teachers: who wrote it and its class."""
    on = await load_class_work(request)
    store, target = on.asker.store, on.target
    pair = await store.pairs.get_pair(target.pair_id) if target.pair_id is not None else None
    klass = await store.schools.get_class(target.class_id) if target.class_id is not None else None
    return on, pair_authors(pair), klass


async def replay_page(request: Request) -> Response:
    on, members, klass = await _replayable(request)
    store, doc_id = on.asker.store, on.doc_id
    task_id = await store.tasks.task_of_document(doc_id)
    facts = (await store.tasks.text_facts([doc_id])).get(doc_id)
    context = {
        "title": on.target.document.title,
        "members": members,
        "klass": klass,
        "data_url": request.url_for("replay_data", doc_id=doc_id),
        # the way back: the live dashboard of the text's task (the page the teacher came from)
        "back": request.url_for("dashboard", task_id=task_id) if task_id is not None else request.url_for("home"),
        "text_url": request.url_for("text_page", doc_id=doc_id),
        "state": text_state(facts, time.time()) if facts is not None else None,
    }
    return render(request, "teacher/replay.html", context, session=on.session)


async def replay_data(request: Request) -> Response:
    on, members, _ = await _replayable(request)
    log_rows = await on.asker.store.documents.read_log(on.doc_id)
    steps = await anyio.to_thread.run_sync(replay_steps, log_rows)
    return JSONResponse(
        {
            "title": on.target.document.title,
            "members": members,
            "steps": [
                # "when": the Paris wall clock in words, whatever the teacher's computer says
                {"at": s.at, "when": time_fr(s.at), "author": s.author, "ops": [list(op) for op in s.ops]}
                for s in steps
            ],
        }
    )


def dashboard_routes() -> list[BaseRoute]:
    post = ["POST"]
    return [
        Route("/enseignant/tache/{task_id}/tableau", dashboard, name="dashboard"),
        WebSocketRoute("/ws/tableau/{task_id}", task_feed, name="task_feed"),
        Route("/enseignant/tache/{task_id}/document/{doc_id}/message", pair_message, methods=post, name="pair_message"),
        Route("/enseignant/tache/{task_id}/terminer", end_task, methods=post, name="end_task"),
        Route("/enseignant/document/{doc_id}/replay", replay_page, name="replay_page"),
        Route("/enseignant/document/{doc_id}/replay.json", replay_data, name="replay_data"),
    ]
