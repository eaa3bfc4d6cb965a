"""The engines' fixtures (tests/support/engines.py), for the tests of this directory."""

from tests.support.engines import postgres_server, postgres_url, redis_server, redis_url

__all__ = ["postgres_server", "postgres_url", "redis_server", "redis_url"]
