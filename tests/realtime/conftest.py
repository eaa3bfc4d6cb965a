"""The engines' fixtures (tests/support/engines.py), for the bus's tests against a real Redis."""

from tests.support.engines import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]
