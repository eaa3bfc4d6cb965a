"""create_app(settings): routes, error handlers and the lifespan that opens Store and Hub."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from collab import words
from collab.accounts import password_views as account
from collab.accounts import sign_in_views as auth
from collab.accounts.admin_views import admin_routes
from collab.accounts.class_routes import teacher_routes
from collab.accounts.sign_in import SignInGuard
from collab.blog.views import blog_routes
from collab.dashboard.feed import ClassFeeds
from collab.dashboard.relay import CardRelay
from collab.dashboard.views import dashboard_routes
from collab.errors import CollabError
from collab.followup.export_views import export_routes
from collab.followup.views import follow_up_routes
from collab.mediatheque.files import MediaLibrary
from collab.mediatheque.phrase_views import phrase_routes
from collab.mediatheque.views import media_routes
from collab.realtime.channel import SendQueue
from collab.realtime.hooks import RoomHooks
from collab.realtime.hub import Hub
from collab.realtime.metrics import Metrics
from collab.realtime.redis_bus import RedisBus
from collab.settings import Settings
from collab.states import TextState
from collab.store import Store
from collab.web import api, health, home
from collab.web.bodies import BodyLimit, route_caps
from collab.web.doc_socket import DOC_SOCKET_PREFIX, document_socket
from collab.web.headers import SecurityHeaders
from collab.web.http_sync import HttpSessions, http_sync_routes
from collab.web.live import live_routes
from collab.web.origins import origin_allowed, refuse_socket
from collab.web.static_files import OneFile, StaticAssets
from collab.writing.agreement import AgreementDesk
from collab.writing.room_views import pupil_routes
from collab.writing.task_views import task_routes

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parents[1]


_HTTP_MESSAGES = {
    # Starlette's own refusals (a malformed multipart form…) carry English details.
    400: "Ce qui a été envoyé est illisible : il faut recharger la page et recommencer.",
    413: "C'est trop gros pour être envoyé.",
    404: "Cette page n'existe pas.",
    405: "Cette action n'est pas possible ici.",
}


def _error_response(
    request: Request, status: int, message: str, detail: str, close_code: int | None = None
) -> Response:
    """A French error page for browsers, JSON for the API and other clients (with the close
    code a socket would have got, for the page scripts)."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "detail": detail, "close_code": close_code}, status_code=status)
    response: Response = request.app.state.templates.TemplateResponse(
        request, "error.html", {"message": message, "status": status, "session": None}, status_code=status
    )
    return response


async def _collab_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CollabError)
    if exc.status == 401 and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(request.url_for("sign_in_page"), status_code=303)
    return _error_response(request, exc.status, exc.public_message, exc.detail, exc.close_code)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, exc.detail)
    return _error_response(request, exc.status_code, message, exc.detail)


class BinomeApp:
    """The ASGI application: sockets from another site's pages are refused, document sockets go
    straight to the hub, the rest to Starlette (bodies capped, security headers added)."""

    def __init__(self, web: Starlette, settings: Settings) -> None:
        self.web = web
        self.state = web.state
        self.settings = settings
        self.http = SecurityHeaders(BodyLimit(web, route_caps(settings)), settings.public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if not origin_allowed(scope, self.settings):
                await refuse_socket(receive, send)
            elif scope["path"].startswith(DOC_SOCKET_PREFIX):
                await document_socket(scope, receive, send, self.state)
            else:
                await self.web(scope, receive, send)
        elif scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.web(scope, receive, send)


def create_app(settings: Settings) -> BinomeApp:
    metrics = Metrics()
    channels: set[SendQueue] = set()
    metrics.track_send_queue(lambda: sum(channel.depth for channel in channels))

    http_sessions = HttpSessions()
    sign_in = SignInGuard(settings, metrics)
    assets = StaticAssets(ASSETS_DIR / "static")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await Store.open(settings.store_target, synchronous=settings.sqlite_synchronous)
        # The features that follow the rooms, each through the hub's hooks (collab.realtime.hooks):
        # the hub calls them in this order and imports none of them.
        # Several workers: Redis carries what one worker tells the others (collab.realtime.cluster).
        bus = RedisBus(settings.redis, origin=settings.worker_id) if settings.redis else None
        agreements = AgreementDesk(store)
        feeds = ClassFeeds(store, metrics.counts, agreed=agreements.agreed_now, bus=bus)
        hooks: list[RoomHooks] = [agreements, feeds]
        if bus is not None:  # the summaries of this worker's rooms, for dashboards on the others
            hooks.append(CardRelay(bus, agreements.agreed_now))
        hub = Hub(store, settings, metrics, hooks=hooks, bus=bus)
        metrics.track_bus(bus)
        await hub.start()
        if bus is not None:  # a request for a session another worker holds goes there
            relay = await http_sessions.connect(bus)
            metrics.track_forwarded_requests(lambda: (relay.forwarded, relay.served))
        app.state.hub = hub
        app.state.store = store
        app.state.agreements = agreements
        app.state.feeds = feeds
        try:
            yield
        finally:
            await http_sessions.close()
            await hub.close()
            await store.close()
            sign_in.close()

    routes = [
        Route("/", home.home, name="home"),
        Route("/connexion", auth.sign_in_page, name="sign_in_page"),
        Route("/connexion", auth.sign_in, methods=["POST"], name="sign_in"),
        Route("/classe", auth.class_code, name="class_code"),
        Route("/classe/{code}", auth.class_names, name="class_names"),
        Route("/classe/{code}/{pupil_id}", auth.pictures_page, name="pictures_page"),
        Route("/classe/{code}/{pupil_id}", auth.pictures_sign_in, methods=["POST"], name="pictures_sign_in"),
        Route("/deconnexion", auth.sign_out, methods=["POST"], name="sign_out"),
        Route("/deconnexion/partout", auth.sign_out, methods=["POST"], name="sign_out_everywhere"),
        Route("/mon-mot-de-passe", account.password_page, name="my_password"),
        Route("/mon-mot-de-passe", account.change_password, methods=["POST"], name="change_password"),
        *teacher_routes(),
        *admin_routes(),
        *live_routes(),
        *media_routes(),
        *phrase_routes(),
        *pupil_routes(),
        *blog_routes(),
        *http_sync_routes(),
        *dashboard_routes(),
        *follow_up_routes(),
        *export_routes(),
        *task_routes(),
        Route("/healthz", health.healthz, name="healthz"),
        Route("/favicon.ico", health.favicon, name="favicon"),
        Route("/metrics", health.metrics, name="metrics"),
        Route("/api/docs", api.list_documents, name="api_docs"),
        # The service worker at the root, so that it may serve the pupils' pages offline.
        Route("/sw.js", OneFile(assets, "js/sw.js", {"service-worker-allowed": "/"}), name="service_worker"),
        Mount("/static", assets, name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={CollabError: _collab_error, HTTPException: _http_error},
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.channels = channels
    app.state.media = MediaLibrary(settings.media_dir, settings.max_media_bytes)
    app.state.http_sessions = http_sessions
    app.state.sign_in = sign_in
    templates = Jinja2Templates(directory=ASSETS_DIR / "templates")
    templates.env.globals["static_url"] = assets.url_function()
    # French words (plurals, lists, durations, dates): one module, for every template.
    templates.env.filters.update(words.TEMPLATE_FILTERS)
    templates.env.globals.update(words.TEMPLATE_FUNCTIONS)
    templates.env.globals["TextState"] = TextState  # one vocabulary of states (collab.states)
    app.state.templates = templates
    return BinomeApp(app, settings)
