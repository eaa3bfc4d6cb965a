"""The engines' fixtures (tests/support/engines.py), for the académie deployment's commands."""

from tests.support.engines import postgres_server, postgres_url, redis_server, redis_url

__all__ = ["postgres_server", "postgres_url", "redis_server", "redis_url"]
