"""Runtime settings. This module is the only reader of the environment."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_DATA_DIR = "collab-data"
#: A class list (CSV) sent to the administration, at most (its route's body cap follows it).
MAX_IMPORT_BYTES = 200_000
#: The URL schemes of the académie deployment's engines.
POSTGRES_SCHEMES = ("postgresql", "postgres")
REDIS_SCHEMES = ("redis", "rediss", "unix")
#: What a password is shown as.
HIDDEN = "***"


def new_worker_id() -> str:
    """A name for one server process, unique across processes and machines (Redis tells the
    workers apart by it): the host, the process id, and a random part (a pid comes back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def without_password(url: str) -> str:
    """``url`` with its password (in the authority or as a ``password=`` parameter) shown as ***,
    for logs and messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        user, colon, _password = credentials.partition(":")
        netloc = f"{user}:{HIDDEN}@{host}" if colon else netloc
    query = parts.query
    if "password" in query.lower():
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, HIDDEN if k.lower() == "password" else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def is_postgres_url(target: str) -> bool:
    return urlsplit(target).scheme in POSTGRES_SCHEMES if "://" in target else False


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know, fixed at start-up."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    host: str = "127.0.0.1"
    port: int = 8000
    # Real-time limits.
    max_frame_bytes: int = 256 * 1024
    max_doc_bytes: int = 2 * 1024 * 1024
    # Pacing (per connection): frames beyond the budget wait until it refills (the socket is not
    # read meanwhile, so TCP slows the sender); see the "realtime pacing" block below for 4429.
    rate_per_second: float = 100.0
    rate_burst: int = 400
    send_queue_bytes: int = 4 * 1024 * 1024
    room_grace_seconds: float = 30.0
    # Durability: the update log is committed in groups (whatever arrived during
    # the previous commit); "FULL" fsyncs the WAL at every group commit.
    sqlite_synchronous: str = "FULL"
    compact_after_updates: int = 500
    group_commit_ms: float = 2.0
    log_level: str = "info"
    # Médiathèque.
    max_media_bytes: int = 100 * 1024 * 1024
    # Sign-in.
    secure_cookies: bool = False  # set to true behind HTTPS
    # Sign-in throttles (issue 12, items 1-4). Each account has one budget for the devices it never
    # signed in from and one per device it did ("known device" cookie): ``sign_in_attempts``
    # comparisons per window, then a lock that grows with repeats (1, 5, 15 min, then 1 h each).
    sign_in_attempts: int = 5
    sign_in_window_seconds: float = 900.0
    sign_in_lock_steps: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0)
    # Unknown class codes one client address may type per window before it waits for the window's end.
    class_code_misses: int = 60
    class_code_window_seconds: float = 900.0
    # argon2 runs in this many worker threads (a flood of adult sign-ins queues there).
    password_workers: int = 2
    # argon2id's cost for new password hashes (RFC 9106's second recommendation: 3 passes over 64 MiB,
    # about a third of a second); a check uses the cost written in the hash it checks.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    # Revocation (issue 12, items 8-9): open connections' credentials are checked against the
    # database this often (what another process revoked, what expired); bearer tokens' lifetime.
    revalidate_seconds: float = 60.0
    token_days: int = 30
    # Hostile clients (issue 12: bodies, origins, metrics). The site's public address and other
    # origins whose pages may open our sockets (this same host always may).
    public_url: str = ""
    allowed_origins: tuple[str, ...] = ()
    # /metrics: served to this bearer token, or to clients in these networks only.
    metrics_token: str = ""
    metrics_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    # Realtime pacing and presence (issue 12, items 5 and 6). A connection kept at its pacing limit
    # (budget never back to half) this long is abuse: closed with 4429.
    pace_abuse_seconds: float = 600.0
    # Presence (awareness): bytes of one state's JSON, client ids one connection may announce
    # (a Yjs document has one), bytes of all the states a room holds.
    awareness_state_bytes: int = 4096
    awareness_ids_per_connection: int = 4
    awareness_room_bytes: int = 64 * 1024
    # Connections one person may hold on one document (a tablet, a reload still closing, a second
    # tab): every connection's allowance is relayed to the others, so it must not be multiplied.
    connections_per_document: int = 4
    # The administrators' live page (issue 13, point 10): seconds between two refreshes.
    live_refresh_seconds: float = 3.0
    # The académie deployment (issue 15). ``database``: "" for the SQLite file of the data
    # directory (the embedded default), a ``postgresql://`` URL, or another SQLite file's path.
    # ``redis``: a ``redis://`` URL linking the workers (needed by several workers).
    database: str = ""
    redis: str = ""
    #: Server processes on this machine (more than one needs PostgreSQL and Redis).
    workers: int = 1
    #: Load balancers (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto headers are
    #: believed: the client address that sign-in throttles and /metrics see is then the real one.
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")
    #: This process's name among the workers (each worker process draws its own at start).
    worker_id: str = field(default_factory=new_worker_id, compare=False)

    @property
    def database_path(self) -> Path:
        """The embedded SQLite file (in the data directory)."""
        return self.data_dir / "collab.sqlite3"

    @property
    def on_postgres(self) -> bool:
        return is_postgres_url(self.database)

    @property
    def store_target(self) -> str | Path:
        """What ``Store.open`` opens: the PostgreSQL URL, or the SQLite file's path."""
        if self.on_postgres:
            return self.database
        return Path(self.database) if self.database else self.database_path

    @property
    def shown_database(self) -> str:
        """The database for logs and messages: never with its password."""
        return without_password(self.database) if self.on_postgres else str(self.store_target)

    @property
    def shown_redis(self) -> str:
        return without_password(self.redis) if self.redis else ""

    def deployment_problem(self) -> str | None:
        """Why these settings cannot serve (None when they can): several workers share one
        PostgreSQL and one Redis; SQLite is one process."""
        if self.workers < 1:
            return f"workers must be at least 1, got {self.workers}"
        if self.workers > 1 and not (self.on_postgres and self.redis):
            return (
                f"{self.workers} workers need a PostgreSQL database and a Redis to share "
                "(--database postgresql://… --redis redis://…, or COLLAB_DATABASE and COLLAB_REDIS); "
                "the embedded SQLite database serves one process"
            )
        if self.redis and not self.on_postgres:
            return "Redis links workers that share a PostgreSQL database: give --database postgresql://… too"
        return None

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (values that are None are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _floats(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError as exc:
        raise ValueError(f"{name} must be numbers separated by commas, got {raw!r}") from exc
    if not values or any(v <= 0 for v in values):
        raise ValueError(f"{name} must be positive numbers separated by commas, got {raw!r}")
    return values


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list ("" or unset: the default)."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _networks(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    networks = _list(env, name, default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ValueError(f"{name}: {network!r} is not a network (such as 10.0.0.0/8)") from exc
    return networks


def _proxies(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Addresses or networks of trusted proxies, or "*" (any: only when nothing else can reach the port)."""
    proxies = _list(env, name, default)
    if proxies != ("*",):
        _networks({name: ",".join(proxies)}, name, default)
    return proxies


def database_setting(raw: str, name: str = "COLLAB_DATABASE") -> str:
    """A database setting checked: "" (the data directory's SQLite file), a PostgreSQL URL with a
    host or socket, or a SQLite file's path."""
    value = raw.strip()
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"{name} must be a postgresql:// URL or a SQLite file's path, got {without_password(value)!r}")
    if not parts.path.strip("/"):
        shown = without_password(value)
        raise ValueError(f"{name} must name its database (postgresql://user@host/binome), got {shown!r}")
    return value


def redis_setting(raw: str, name: str = "COLLAB_REDIS") -> str:
    """A Redis setting checked: "" (none) or a redis://, rediss:// or unix:// URL."""
    value = raw.strip()
    if value and urlsplit(value).scheme not in REDIS_SCHEMES:
        raise ValueError(f"{name} must be a redis:// URL (redis://host:6379/0), got {without_password(value)!r}")
    return value


def workers_setting(raw: int, name: str = "COLLAB_WORKERS") -> int:
    if raw < 1:
        raise ValueError(f"{name} must be at least 1, got {raw}")
    return raw


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from COLLAB_* environment variables (defaults otherwise)."""
    env = os.environ if env is None else env
    d = Settings()
    synchronous = env.get("COLLAB_SQLITE_SYNCHRONOUS", d.sqlite_synchronous).upper()
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError("COLLAB_SQLITE_SYNCHRONOUS must be FULL or NORMAL")
    return Settings(
        data_dir=Path(env.get("COLLAB_DATA", str(d.data_dir))),
        host=env.get("COLLAB_HOST", d.host),
        port=_int(env, "COLLAB_PORT", d.port),
        max_frame_bytes=_int(env, "COLLAB_MAX_FRAME_BYTES", d.max_frame_bytes),
        max_doc_bytes=_int(env, "COLLAB_MAX_DOC_BYTES", d.max_doc_bytes),
        rate_per_second=_float(env, "COLLAB_RATE_PER_SECOND", d.rate_per_second),
        rate_burst=_int(env, "COLLAB_RATE_BURST", d.rate_burst),
        send_queue_bytes=_int(env, "COLLAB_SEND_QUEUE_BYTES", d.send_queue_bytes),
        room_grace_seconds=_float(env, "COLLAB_ROOM_GRACE_SECONDS", d.room_grace_seconds),
        sqlite_synchronous=synchronous,
        compact_after_updates=_int(env, "COLLAB_COMPACT_AFTER", d.compact_after_updates),
        group_commit_ms=_float(env, "COLLAB_GROUP_COMMIT_MS", d.group_commit_ms),
        log_level=env.get("COLLAB_LOG_LEVEL", d.log_level),
        max_media_bytes=_int(env, "COLLAB_MAX_MEDIA_BYTES", d.max_media_bytes),
        secure_cookies=env.get("COLLAB_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        sign_in_attempts=_int(env, "COLLAB_SIGN_IN_ATTEMPTS", d.sign_in_attempts),
        sign_in_window_seconds=_float(env, "COLLAB_SIGN_IN_WINDOW_SECONDS", d.sign_in_window_seconds),
        sign_in_lock_steps=_floats(env, "COLLAB_SIGN_IN_LOCK_STEPS", d.sign_in_lock_steps),
        class_code_misses=_int(env, "COLLAB_CLASS_CODE_MISSES", d.class_code_misses),
        class_code_window_seconds=_float(env, "COLLAB_CLASS_CODE_WINDOW_SECONDS", d.class_code_window_seconds),
        password_workers=_int(env, "COLLAB_PASSWORD_WORKERS", d.password_workers),
        argon2_time_cost=_int(env, "COLLAB_ARGON2_TIME_COST", d.argon2_time_cost),
        argon2_memory_kib=_int(env, "COLLAB_ARGON2_MEMORY_KIB", d.argon2_memory_kib),
        # Revocation.
        revalidate_seconds=_float(env, "COLLAB_REVALIDATE_SECONDS", d.revalidate_seconds),
        token_days=_int(env, "COLLAB_TOKEN_DAYS", d.token_days),
        # Hostile clients (issue 12).
        public_url=env.get("COLLAB_PUBLIC_URL", d.public_url),
        allowed_origins=_list(env, "COLLAB_ALLOWED_ORIGINS", d.allowed_origins),
        metrics_token=env.get("COLLAB_METRICS_TOKEN", d.metrics_token),
        metrics_networks=_networks(env, "COLLAB_METRICS_NETWORKS", d.metrics_networks),
        # Realtime pacing and presence.
        pace_abuse_seconds=_float(env, "COLLAB_PACE_ABUSE_SECONDS", d.pace_abuse_seconds),
        awareness_state_bytes=_int(env, "COLLAB_AWARENESS_STATE_BYTES", d.awareness_state_bytes),
        awareness_ids_per_connection=_int(env, "COLLAB_AWARENESS_IDS_PER_CONNECTION", d.awareness_ids_per_connection),
        awareness_room_bytes=_int(env, "COLLAB_AWARENESS_ROOM_BYTES", d.awareness_room_bytes),
        connections_per_document=_int(env, "COLLAB_CONNECTIONS_PER_DOCUMENT", d.connections_per_document),
        # The administrators' live page.
        live_refresh_seconds=_float(env, "COLLAB_LIVE_REFRESH_SECONDS", d.live_refresh_seconds),
        # The académie deployment.
        database=database_setting(env.get("COLLAB_DATABASE", d.database)),
        redis=redis_setting(env.get("COLLAB_REDIS", d.redis)),
        workers=workers_setting(_int(env, "COLLAB_WORKERS", d.workers)),
        forwarded_allow_ips=_proxies(env, "COLLAB_FORWARDED_ALLOW_IPS", d.forwarded_allow_ips),
    )
