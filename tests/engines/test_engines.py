"""The engine fixtures start real PostgreSQL and Redis, which the chosen async drivers reach, and which a
test can stop, crash and restart."""

from __future__ import annotations

import psycopg
import pytest
import redis.asyncio as aioredis
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from tests.support.engines import Postgres, Redis, redis_server_path

pytestmark = pytest.mark.anyio

UPDATE = bytes(range(256))  # a Yjs update is bytes, every value of them


async def test_a_row_written_through_the_pool_is_read_back(postgres_url: str) -> None:
    async with AsyncConnectionPool(postgres_url, min_size=1, max_size=2, open=False) as pool:
        async with pool.connection() as connection:
            await connection.execute("CREATE TABLE updates (doc TEXT, seq BIGINT, data BYTEA, PRIMARY KEY (doc, seq))")
        # Group commit: one transaction, the batch sent in one pipeline (one round trip).
        async with (
            pool.connection() as connection,
            connection.transaction(),
            connection.pipeline(),
            connection.cursor() as cursor,
        ):
            await cursor.executemany(
                "INSERT INTO updates (doc, seq, data) VALUES (%s, %s, %s)",
                [("d1", seq, UPDATE[:seq]) for seq in range(1, 6)],
            )
        async with pool.connection() as connection:
            cursor = await connection.execute("SELECT seq, data FROM updates WHERE doc = %s ORDER BY seq", ("d1",))
            rows = await cursor.fetchall()
    assert rows == [(seq, UPDATE[:seq]) for seq in range(1, 6)]


async def test_postgres_stopped_refuses_connections_then_restarted_accepts(
    postgres_server: Postgres, postgres_url: str
) -> None:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as connection:
        await connection.execute("CREATE TABLE t (n INT)")
        await connection.execute("INSERT INTO t VALUES (1)")
    postgres_server.stop()
    assert not postgres_server.running
    with pytest.raises(psycopg.OperationalError):
        await psycopg.AsyncConnection.connect(postgres_url, connect_timeout=2)
    postgres_server.start()
    async with await psycopg.AsyncConnection.connect(postgres_url) as connection:
        cursor = await connection.execute("SELECT n FROM t")
        assert await cursor.fetchall() == [(1,)]


async def test_postgres_crashed_keeps_what_it_committed(postgres_server: Postgres, postgres_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as connection:
        await connection.execute("CREATE TABLE t (data BYTEA)")
        await connection.execute("INSERT INTO t VALUES (%s)", (UPDATE,))
        postgres_server.crash()
        with pytest.raises(psycopg.OperationalError):
            await connection.execute("SELECT 1")
    postgres_server.start()
    async with await psycopg.AsyncConnection.connect(postgres_url) as connection:
        cursor = await connection.execute("SELECT data FROM t")
        assert await cursor.fetchall() == [(UPDATE,)]


async def test_a_stream_entry_is_read_back(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        first = await client.xadd("doc:d1", {"seq": 1, "update": UPDATE})
        await client.xadd("doc:d1", {"seq": 2, "update": UPDATE[:2]})
        # redis-py types replies loosely (Any | int | str ...): name what comes back.
        streams: list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]] = await client.xread({"doc:d1": "0-0"})
        [(name, entries)] = streams
        assert name == b"doc:d1"
        assert [fields for _, fields in entries] == [
            {b"seq": b"1", b"update": UPDATE},
            {b"seq": b"2", b"update": UPDATE[:2]},
        ]
        # Reading after the first entry's id gives only what followed it (how a reader resumes).
        resumed: list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]] = await client.xread({"doc:d1": first})
        [(_, later)] = resumed
        assert [fields[b"seq"] for _, fields in later] == [b"2"]
    finally:
        await client.aclose()


async def test_a_published_message_reaches_the_subscriber(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("room:d1")
        confirmation = await pubsub.get_message(timeout=5)
        assert confirmation is not None
        assert confirmation["type"] == "subscribe"
        assert await client.publish("room:d1", UPDATE) == 1
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        assert message is not None
        assert message["data"] == UPDATE
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_redis_restarted_keeps_serving_and_starts_empty(redis_server: Redis, redis_url: str) -> None:
    # A client made by from_url does not retry unless told to (its pool's connections get no Retry).
    client = aioredis.from_url(redis_url, retry=Retry(NoBackoff(), 1))
    try:
        await client.xadd("doc:d1", {"seq": 1, "update": UPDATE})
        redis_server.restart()
        # The client made before the restart reconnects by itself; the stream is gone (no persistence):
        # PostgreSQL, not Redis, holds the updates, and a worker repairs the gap from it.
        assert await client.xlen("doc:d1") == 0
        await client.xadd("doc:d1", {"seq": 2, "update": UPDATE})
        assert await client.xlen("doc:d1") == 1
    finally:
        await client.aclose()


async def test_redis_crashed_refuses_then_restarted_accepts(redis_server: Redis, redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        assert await client.ping()
        redis_server.crash()
        with pytest.raises(aioredis.ConnectionError):
            await client.ping()
        redis_server.start()
        assert await client.ping()
    finally:
        await client.aclose()


@pytest.mark.parametrize("ci", ["true", None])
def test_a_missing_engine_is_a_failure_never_a_skip(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    monkeypatch.delenv("REDIS_SERVER", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y redis-server"):
        redis_server_path()


async def test_the_pool_serves_again_once_postgres_is_back(postgres_server: Postgres, postgres_url: str) -> None:
    # check_connection on checkout drops the connections that died with the server.
    async with AsyncConnectionPool(
        postgres_url, min_size=2, max_size=2, open=False, timeout=1, check=AsyncConnectionPool.check_connection
    ) as pool:
        await pool.wait()
        postgres_server.stop()
        with pytest.raises((psycopg.OperationalError, PoolTimeout)):
            async with pool.connection() as connection:
                await connection.execute("SELECT 1")
        postgres_server.start()
        # The pool reconnects in the background with a backoff that starts at 1 s and doubles at each
        # failure (no cap but reconnect_timeout): after a short outage, a few seconds.
        async with pool.connection(timeout=15) as connection:
            cursor = await connection.execute("SELECT 1")
            assert await cursor.fetchone() == (1,)
