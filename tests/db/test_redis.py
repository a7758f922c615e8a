"""The Redis client utilities, against a real server."""

from __future__ import annotations

import asyncio
import math
import time
from urllib.parse import urlsplit

import pytest
from pydantic import BaseModel
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

from app.config import SettingsError
from app.db import redis as redis_module
from app.db.embedded_redis import free_tcp_port
from app.db.redis import (
    RedisClient,
    RedisNotInitializedError,
    RedisPayloadError,
    RedisPoolExhaustedError,
    WaitingConnectionPool,
    WaitingSentinelPool,
    build_redis,
    close_redis,
    delete,
    get_json,
    get_redis,
    init_redis,
    open_redis,
    prefixed,
    set_json,
)
from tests.harness.redis import redis_test_settings


class Card(BaseModel):
    id: str
    hp: int


def test_build_redis_applies_every_setting(redis_url: str) -> None:
    settings = redis_test_settings(
        redis_url,
        redis_max_connections=7,
        redis_socket_timeout=3.5,
        redis_connect_timeout=1.5,
        redis_health_check_interval=12,
        redis_retry_attempts=4,
        redis_pool_timeout=2.5,
    )
    client = build_redis(settings, client_name="checker")
    kwargs = client.connection_pool.connection_kwargs
    assert isinstance(client.connection_pool, WaitingConnectionPool)
    assert client.connection_pool.max_connections == 7
    assert client.connection_pool.timeout == 2.5
    assert kwargs["socket_timeout"] == 3.5
    assert kwargs["socket_connect_timeout"] == 1.5
    assert kwargs["health_check_interval"] == 12
    assert kwargs["client_name"] == "checker"
    retry = kwargs["retry"]
    assert retry.get_retries() == 4
    assert isinstance(retry._backoff, ExponentialWithJitterBackoff)
    assert RedisConnectionError in retry._supported_errors


def test_build_redis_without_url_names_the_setting() -> None:
    settings = redis_test_settings("redis://127.0.0.1:1/0").model_copy(update={"redis_url": None})
    with pytest.raises(SettingsError, match="REDIS_URL"):
        build_redis(settings)


def test_build_redis_refuses_an_unusable_url(redis_url: str) -> None:
    with pytest.raises(SettingsError, match="REDIS_URL: cannot use"):
        build_redis(redis_test_settings(redis_url), "redis://127.0.0.1:notaport/0")


async def test_building_a_client_does_not_connect() -> None:
    client = build_redis(redis_test_settings(f"redis://127.0.0.1:{free_tcp_port()}/0"))
    try:
        with pytest.raises(RedisConnectionError) as failed:
            await client.ping()
        assert not isinstance(failed.value, MaxConnectionsError), "unreachable is not busy"
    finally:
        await client.aclose()


async def test_more_commands_than_connections_wait_their_turn(
    redis_url: str, redis_key_prefix: str, redis_client: RedisClient
) -> None:
    key = prefixed(redis_key_prefix, "counter")
    settings = redis_test_settings(redis_url, redis_max_connections=2)
    async with open_redis(settings) as client:
        await asyncio.gather(*(client.incr(key) for _ in range(200)))
        assert len(client.connection_pool._in_use_connections) == 0
        assert len(client.connection_pool._available_connections) <= 2
    assert await redis_client.get(key) == b"200"


async def test_a_pool_that_stays_full_names_the_pool_and_the_settings(redis_url: str) -> None:
    settings = redis_test_settings(redis_url, redis_max_connections=2, redis_pool_timeout=0.1)
    async with open_redis(settings) as client:
        pool = client.connection_pool
        held = [await pool.get_connection() for _ in range(2)]  # type: ignore[no-untyped-call]
        with pytest.raises(RedisPoolExhaustedError) as waited:
            await client.ping()
        pipe = client.pipeline(transaction=False)
        pipe.ping()
        with pytest.raises(RedisPoolExhaustedError):
            await pipe.execute()
        for connection in held:
            await pool.release(connection)
        assert await client.ping()
    assert str(waited.value) == (
        "Redis connection pool exhausted: no free connection within "
        "REDIS_POOL_TIMEOUT=0.1s (REDIS_MAX_CONNECTIONS=2)"
    )
    assert isinstance(waited.value, MaxConnectionsError)
    assert (waited.value.timeout, waited.value.max_connections) == (0.1, 2)


async def test_a_freed_connection_goes_to_the_longest_waiter(redis_url: str) -> None:
    """A caller that frees a connection and asks again queues behind those already waiting."""
    settings = redis_test_settings(redis_url, redis_max_connections=1, redis_pool_timeout=2.0)
    served: list[str] = []
    async with open_redis(settings) as client:

        async def busy() -> None:
            for _ in range(30):
                await client.ping()
                served.append("busy")

        async def waiter() -> None:
            await asyncio.sleep(0)  # `busy` holds the only connection by now
            await client.ping()
            served.append("waiter")

        await asyncio.gather(busy(), waiter())
    assert served.index("waiter") == 1, served


async def test_callers_that_give_up_leave_no_trace_in_the_queue(redis_url: str) -> None:
    settings = redis_test_settings(redis_url, redis_max_connections=1, redis_pool_timeout=0.2)
    async with open_redis(settings) as client:

        async def ping() -> bool:
            return bool(await client.ping())

        pool = client.connection_pool
        held = await pool.get_connection()  # type: ignore[no-untyped-call]
        timed_out = asyncio.create_task(ping())
        cancelled = asyncio.create_task(ping())
        await asyncio.sleep(0.05)
        cancelled.cancel()
        with pytest.raises(RedisPoolExhaustedError):
            await timed_out
        # Handed the connection and cancelled before it could run: the connection moves on.
        handed = asyncio.create_task(ping())
        await asyncio.sleep(0.05)
        await pool.release(held)
        handed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await handed
        assert cancelled.cancelled()
        assert await client.ping()
        assert await asyncio.gather(*(client.ping() for _ in range(5))) == [True] * 5


async def test_client_names_itself_to_the_server(redis_url: str) -> None:
    async with open_redis(redis_test_settings(redis_url), client_name="name-check") as client:
        assert await client.client_getname() in ("name-check", b"name-check")


async def test_a_dropped_connection_is_retried_transparently(redis_url: str) -> None:
    async with (
        open_redis(redis_test_settings(redis_url), client_name="victim") as victim,
        open_redis(redis_test_settings(redis_url), client_name="killer") as killer,
    ):
        assert await victim.ping()
        assert await killer.client_kill_filter(_id=str(await victim.client_id())) == 1
        assert await victim.ping()


async def test_connection_errors_are_retried_with_backoff_then_raised() -> None:
    settings = redis_test_settings(f"redis://127.0.0.1:{free_tcp_port()}/0", redis_retry_attempts=3)
    async with open_redis(settings) as client:
        started = time.monotonic()
        with pytest.raises(RedisConnectionError):
            await client.ping()
        # three jittered waits of at most 0.05, 0.1 and 0.2 s: never instant, never long
        assert time.monotonic() - started < 5


class _Sentinels:
    """Stands in for redis-py's `Sentinel`: names whichever primary the test says."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address

    async def discover_master(self, _service_name: str) -> tuple[str, int]:
        return self.address


async def test_a_connection_in_use_during_a_switch_never_reaches_the_old_primary(
    redis_url: str,
) -> None:
    # Two names of one server stand for the old and the new primary: the pool tells
    # its connections apart by the address the sentinels named.
    url = urlsplit(redis_url)
    assert url.hostname is not None
    assert url.port is not None
    if url.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("needs a test Redis on the loopback interface")
    old = (url.hostname, url.port)
    new = ("localhost" if url.hostname == "127.0.0.1" else "127.0.0.1", url.port)
    sentinels = _Sentinels(old)
    pool = WaitingSentinelPool(
        "mantimon", sentinels, timeout=1.0, max_connections=4, check_interval=0.0
    )
    try:
        held = await pool.get_connection()
        assert (held.host, held.port) == old  # type: ignore[attr-defined]
        sentinels.address = new  # the switch, while `held` runs a command
        other = await pool.get_connection()  # this checkout asks the sentinels again
        await pool.release(other)
        await pool.release(held)  # back in the pool, still open to the old primary
        handed = [await pool.get_connection() for _ in range(2)]
        assert held in handed
        for connection in handed:
            assert (connection.host, connection.port) == new  # type: ignore[attr-defined]
            await connection.send_command("PING")
            assert await connection.read_response() in (b"PONG", "PONG")
            await pool.release(connection)
    finally:
        await pool.aclose()


async def test_process_wide_client_lifecycle(redis_url: str) -> None:
    await close_redis()
    with pytest.raises(RedisNotInitializedError):
        async with get_redis():
            pass
    client = init_redis(redis_test_settings(redis_url))
    try:
        assert init_redis(redis_test_settings("redis://127.0.0.1:1/0")) is client
        async with get_redis() as shared:
            assert shared is client
            assert await shared.ping()
    finally:
        await close_redis()
    assert redis_module._client is None
    await close_redis()


async def test_json_helpers_round_trip(redis_client: RedisClient, redis_key_prefix: str) -> None:
    key = prefixed(redis_key_prefix, "json", "a")
    value = {"deck": ["a1-001", "a1-002"], "copies": 2, "name": "Flammé", "nested": {"ok": True}}
    await set_json(redis_client, key, value)
    assert await get_json(redis_client, key) == value
    assert await redis_client.ttl(key) == -1


async def test_set_json_with_ttl_and_models(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    key = prefixed(redis_key_prefix, "json", "card")
    await set_json(redis_client, key, Card(id="a1-001", hp=60), ttl_seconds=30)
    assert await get_json(redis_client, key) == {"id": "a1-001", "hp": 60}
    assert 0 < await redis_client.ttl(key) <= 30


async def test_get_json_of_a_missing_key_is_none(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    assert await get_json(redis_client, prefixed(redis_key_prefix, "missing")) is None


async def test_get_json_names_the_key_holding_garbage(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    key = prefixed(redis_key_prefix, "garbage")
    await redis_client.set(key, b"\xff{not json")
    with pytest.raises(RedisPayloadError, match="garbage"):
        await get_json(redis_client, key)


async def test_set_json_refuses_values_json_cannot_hold(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    key = prefixed(redis_key_prefix, "nan")
    with pytest.raises(ValueError, match="JSON"):
        await set_json(redis_client, key, {"x": math.nan})
    assert await redis_client.exists(key) == 0


async def test_delete_counts_existing_keys(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    first, second = prefixed(redis_key_prefix, "d", "1"), prefixed(redis_key_prefix, "d", "2")
    await set_json(redis_client, first, 1)
    assert await delete(redis_client) == 0
    assert await delete(redis_client, first, second) == 1
    assert await delete(redis_client, first) == 0


async def test_one_client_serves_concurrent_tasks(
    redis_client: RedisClient, redis_key_prefix: str
) -> None:
    keys = [prefixed(redis_key_prefix, "c", str(n)) for n in range(50)]
    await asyncio.gather(*(set_json(redis_client, key, n) for n, key in enumerate(keys)))
    assert await asyncio.gather(*(get_json(redis_client, key) for key in keys)) == list(range(50))
