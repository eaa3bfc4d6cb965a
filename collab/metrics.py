"""Prometheus metrics, on a registry owned by the app (no globals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

REFUSAL_REASONS = (
    "bad_message",
    "too_large",
    "doc_too_large",
    "read_only",
    "forbidden",
    "rate_limited",
    "slow_consumer",
    "locked",
    "server_error",
    "presence_too_large",
    "presence_full",
    "too_many_presences",
    "forged_presence",
)


@dataclass(slots=True)
class FrameCounts:
    updates_received: int = 0
    updates_relayed: int = 0
    awareness_relayed: int = 0
    #: Frames a connection had to wait for (its pacing budget was spent), and the seconds waited.
    frames_paced: int = 0
    paced_seconds: float = 0.0
    #: CPU time of the event-loop thread spent on teachers' dashboards (building and sending cards)
    feed_cpu_seconds: float = 0.0


_COUNT_HELP = {
    "updates_received": "Document updates accepted from clients",
    "updates_relayed": "Document updates sent to other peers after commit",
    "awareness_relayed": "Awareness messages sent to other peers",
    "frames_paced": "Frames read only after their connection's pacing budget refilled",
    "paced_seconds": "Seconds connections were kept waiting by pacing (their sockets not read)",
    "feed_cpu_seconds": "CPU seconds the dashboards' class feeds used (cards built, encoded and sent)",
}


class _FrameCountsCollector(Collector):
    def __init__(self, counts: FrameCounts) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        for name, help_text in _COUNT_HELP.items():
            yield CounterMetricFamily(f"collab_{name}", help_text, value=getattr(self._counts, name))


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rooms_open = Gauge("collab_rooms_open", "Documents loaded in memory", registry=r)
        self.connections = Gauge("collab_connections", "Open WebSocket connections", registry=r)
        # Per-frame counters are plain integers (no lock on the hot path), read at scrape time.
        self.counts = FrameCounts()
        r.register(_FrameCountsCollector(self.counts))
        self.commit_seconds = Histogram(
            "collab_commit_seconds",
            "Duration of one group commit of the update log",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.commit_batch = Histogram(
            "collab_commit_batch_updates",
            "Updates written by one group commit",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=r,
        )
        self.send_queue_depth = Gauge(
            "collab_send_queue_depth", "Messages waiting in all per-connection send queues", registry=r
        )
        self.refused = Counter("collab_refused_frames", "Frames refused, by reason", ["reason"], registry=r)
        for reason in REFUSAL_REASONS:
            self.refused.labels(reason=reason)
        self.rooms_loaded = Counter("collab_rooms_loaded", "Documents loaded from storage", registry=r)
        self.room_load_seconds = Histogram(
            "collab_room_load_seconds",
            "Time to load a document from storage (snapshot + log tail)",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.compactions = Counter("collab_compactions", "Snapshots written", registry=r)
        # Sign-in (issue 12): every secret compared, and every attempt refused before any comparison.
        self.sign_in_comparisons = Counter(
            "collab_sign_in_comparisons",
            "Secrets compared at sign-in: pictures, password (argon2) or dummy (argon2, unknown login)",
            ["kind"],
            registry=r,
        )
        self.sign_in_refused = Counter(
            "collab_sign_in_refused",
            "Sign-in steps refused before any comparison: locked (account budget), class_codes (client)",
            ["reason"],
            registry=r,
        )
        for kind in ("pictures", "password", "dummy"):
            self.sign_in_comparisons.labels(kind=kind)
        for reason in ("locked", "class_codes"):
            self.sign_in_refused.labels(reason=reason)

    def observe_commit(self, seconds: float, batch: int) -> None:
        self.commit_seconds.observe(seconds)
        self.commit_batch.observe(batch)

    def track_send_queue(self, depth: Callable[[], float]) -> None:
        self.send_queue_depth.set_function(depth)

    def render(self) -> bytes:
        return generate_latest(self.registry)
