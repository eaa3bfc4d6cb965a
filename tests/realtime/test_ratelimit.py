"""Per-connection pacing, with a fake clock."""

from __future__ import annotations

import pytest

from collab.errors import RateLimited
from collab.realtime.ratelimit import Pacer


def test_pacer_waits_beyond_the_budget_and_refuses_only_sustained_abuse() -> None:
    now = [0.0]
    pacer = Pacer(rate=10, burst=4, abuse_seconds=5, clock=lambda: now[0])
    assert [pacer.reserve() for _ in range(4)] == [0.0] * 4  # the burst
    assert pacer.reserve() == pytest.approx(0.1)  # then one frame every 1/rate seconds
    assert pacer.reserve() == pytest.approx(0.2)  # reserved in order, for concurrent callers
    now[0] += 0.2
    for _ in range(48):  # kept at its limit (a frame always waiting) until 4.95 s
        now[0] += 0.099
        assert pacer.reserve() > 0
    now[0] += 0.099
    with pytest.raises(RateLimited):  # more than 5 s at its limit
        pacer.reserve()


def test_a_pause_ends_the_pacing_streak() -> None:
    now = [0.0]
    pacer = Pacer(rate=10, burst=4, abuse_seconds=1, clock=lambda: now[0])
    for _ in range(3):
        for _ in range(8):
            pacer.reserve()
            now[0] += 0.09  # a little faster than the rate, for 0.72 s
        now[0] += 0.3  # a pause: the budget is back to half, the streak is over
        assert pacer.reserve() == 0.0


def test_presence_costs_the_bytes_it_relays() -> None:
    """A document update is charged by the 16 KiB, a presence frame by the 256 bytes it relays to
    every peer: a burst of 100 units takes 80 updates of 4 KB but 5 presences of 4 KB."""

    def fitting(frame: bytes) -> int:
        pacer = Pacer(rate=10, burst=100, abuse_seconds=60, clock=lambda: 0.0)
        return next(n for n in range(1000) if pacer.reserve_frame(frame) > 0)

    assert fitting(b"\x00\x02" + b"u" * 4094) == 80
    assert fitting(b"\x01" + b"p" * 4096) == 5
