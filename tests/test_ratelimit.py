"""Per-user token buckets, with a fake clock."""

from __future__ import annotations

from collab.ratelimit import RateLimiter


def test_bucket_allows_bursts_then_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=10, burst=5, clock=lambda: now[0])
    assert all(limiter.allow(1) for _ in range(5))
    assert not limiter.allow(1)
    assert limiter.allow(2)  # another user has a bucket of their own
    now[0] += 0.1  # one token back
    assert limiter.allow(1)
    assert not limiter.allow(1)
    now[0] += 10
    assert sum(limiter.allow(1) for _ in range(10)) == 5  # refilled to the burst, no more
