"""Prometheus metrics, on a registry owned by the app (no globals).

The administrators' live page (collab.web.live) reads its figures from this same registry
(:meth:`Metrics.samples`): per school, counts only, never a text or a name.
"""

from __future__ import annotations

import bisect
import collections
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from collab.realtime.bus import Bus

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
    "too_many_connections",
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


_BUS_COUNTS = {
    "published": "Messages this worker published to the other workers (Redis)",
    "received": "Messages from the other workers handed to rooms and features",
    "dropped": "Messages not published (Redis unreachable or too many waiting): the log repairs the gap",
    "malformed": "Messages received that were not frames of Binôme's bus (dropped)",
    "reconnections": "Times the bus got Redis back after losing it (every open room is then repaired)",
    "handler_errors": "Errors raised while handling a message from another worker (logged)",
}


class _BusCollector(Collector):
    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    def collect(self) -> Iterator[Metric]:
        for name, help_text in _BUS_COUNTS.items():
            yield CounterMetricFamily(f"collab_bus_{name}", help_text, value=getattr(self._bus.counts, name))
        yield GaugeMetricFamily(
            "collab_bus_healthy", "1 while messages go to and come from the other workers", value=int(self._bus.healthy)
        )


class _ForwardedCollector(Collector):
    def __init__(self, counts: Callable[[], tuple[int, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        forwarded, served = self._counts()
        yield CounterMetricFamily(
            "collab_http_forwarded", "HTTP-fallback requests forwarded to the worker holding their session", forwarded
        )
        yield CounterMetricFamily(
            "collab_http_served_for_others", "HTTP-fallback requests served here for another worker", served
        )


@dataclass(frozen=True, slots=True)
class SchoolLoad:
    """What one school has live now: documents loaded, connections to them, pupils connected to write."""

    school_id: int
    rooms: int
    connections: int
    pupils_writing: int


#: Group commits of the last RECENT_SECONDS: their slowest and their 99th percentile.
RECENT_SECONDS = 300.0
_SLOT_SECONDS = 10.0
_RECENT_BOUNDS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(slots=True)
class _Slot:
    index: int
    counts: list[int] = field(default_factory=lambda: [0] * (len(_RECENT_BOUNDS) + 1))
    slowest: float = 0.0


@dataclass(frozen=True, slots=True)
class RecentCommits:
    count: int
    slowest: float
    #: The upper bound of the histogram bucket holding the 99th percentile (the slowest if smaller).
    p99: float


class CommitWindow:
    """The group commits of the last ``window`` seconds, in 10 s slots (bounded memory: a histogram
    and a maximum per slot, whatever the number of commits)."""

    def __init__(self, window: float = RECENT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._slots: collections.deque[_Slot] = collections.deque()
        self._span = max(1, math.ceil(window / _SLOT_SECONDS))
        self._clock = clock

    def _current(self) -> int:
        return int(self._clock() // _SLOT_SECONDS)

    def observe(self, seconds: float) -> None:
        index = self._current()
        if not self._slots or self._slots[-1].index != index:
            self._slots.append(_Slot(index))
            while self._slots[0].index <= index - self._span:
                self._slots.popleft()
        slot = self._slots[-1]
        slot.counts[bisect.bisect_left(_RECENT_BOUNDS, seconds)] += 1
        slot.slowest = max(slot.slowest, seconds)

    def summary(self) -> RecentCommits:
        oldest = self._current() - self._span
        live = [s for s in self._slots if s.index > oldest]
        counts = [sum(column) for column in zip(*(s.counts for s in live), strict=True)] if live else []
        total = sum(counts)
        if total == 0:
            return RecentCommits(0, 0.0, 0.0)
        slowest = max(s.slowest for s in live)
        rank, seen = math.ceil(0.99 * total), 0
        for i, n in enumerate(counts):
            seen += n
            if seen >= rank:
                bound = _RECENT_BOUNDS[i] if i < len(_RECENT_BOUNDS) else slowest
                return RecentCommits(total, slowest, min(bound, slowest))
        return RecentCommits(total, slowest, slowest)  # pragma: no cover - the loop always returns


class _LiveCollector(Collector):
    """Figures computed at scrape time: per school (from the hub) and the recent commits."""

    def __init__(self, commits: CommitWindow) -> None:
        self.commits = commits
        self.schools: Callable[[], Iterable[SchoolLoad]] = list

    def collect(self) -> Iterator[Metric]:
        per_school = {
            "rooms": GaugeMetricFamily(
                "collab_school_rooms_open", "Documents of the school loaded in memory", labels=["school"]
            ),
            "connections": GaugeMetricFamily(
                "collab_school_connections", "Connections to the school's loaded documents", labels=["school"]
            ),
            "pupils_writing": GaugeMetricFamily(
                "collab_school_pupils_writing",
                "Pupils of the school connected to a text they may write (each counted once)",
                labels=["school"],
            ),
        }
        for load in sorted(self.schools(), key=lambda s: s.school_id):
            for attribute, family in per_school.items():
                family.add_metric([str(load.school_id)], getattr(load, attribute))
        yield from per_school.values()
        recent = self.commits.summary()
        window = f"over the last {RECENT_SECONDS:.0f} s"
        yield GaugeMetricFamily("collab_recent_commits", f"Group commits {window}", value=recent.count)
        yield GaugeMetricFamily(
            "collab_recent_commit_max_seconds", f"Slowest group commit {window}", value=recent.slowest
        )
        yield GaugeMetricFamily(
            "collab_recent_commit_p99_seconds",
            f"99th percentile of the group commits' durations {window} (upper bound of its bucket)",
            value=recent.p99,
        )


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
        self.school_refused = Counter(
            "collab_school_refused_frames",
            "Frames refused on the school's documents, by reason",
            ["school", "reason"],
            registry=r,
        )
        self.commit_window = CommitWindow()
        self._live = _LiveCollector(self.commit_window)
        r.register(self._live)
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
        self.commit_window.observe(seconds)

    def refuse(self, reason: str, school_id: int | None = None) -> None:
        """Count a refused frame (and a closed connection), also under its school when known."""
        self.refused.labels(reason=reason).inc()
        if school_id is not None:
            self.school_refused.labels(school=str(school_id), reason=reason).inc()

    def track_schools(self, loads: Callable[[], Iterable[SchoolLoad]]) -> None:
        """Where the per-school figures come from (the hub's rooms), read at scrape time."""
        self._live.schools = loads

    def samples(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample /metrics would show now, by name and sorted labels (one collection)."""
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in self.registry.collect()
            for sample in family.samples
        }

    def track_bus(self, bus: Bus | None) -> None:
        """The messages between workers (nothing with one process)."""
        if bus is not None:
            self.registry.register(_BusCollector(bus))

    def track_forwarded_requests(self, counts: Callable[[], tuple[int, int]]) -> None:
        """The HTTP-fallback requests this worker forwarded to the session's worker, and those it
        served for others (``counts`` gives both, read at scrape time)."""
        self.registry.register(_ForwardedCollector(counts))

    def track_send_queue(self, depth: Callable[[], float]) -> None:
        self.send_queue_depth.set_function(depth)

    def render(self) -> bytes:
        return generate_latest(self.registry)
