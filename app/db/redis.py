"""The Redis client: one connection pool per process, built from the settings.

Every client made here has bounded socket and connect timeouts, retries
connection errors and timeouts with jittered exponential backoff, checks idle
connections before reuse (``redis_health_check_interval``) and names itself to
the server (``CLIENT LIST`` shows which process holds which connection).

More concurrent commands than ``REDIS_MAX_CONNECTIONS`` is load, not an outage:
a command waits for a free connection (first come, first served), up to
``REDIS_POOL_TIMEOUT`` seconds, and only then fails with `RedisPoolExhaustedError`
(a redis-py ``MaxConnectionsError``, so callers can tell it from a server they
cannot reach).

Nothing connects at import time, nor when a client is built: redis-py opens a
connection on the first command. `init_redis` is called by whoever owns the
process lifetime (the FastAPI lifespan, a CLI command, a test fixture), and
`close_redis` releases the pool again.

The JSON helpers store UTF-8 JSON text under a full key; callers choose the
key, including any prefix (see `prefixed`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

from pydantic import BaseModel
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.config import Settings, SettingsError, hide_password
from app.db.fair_gate import FairGate
from app.errors import MantimonError

RedisClient: TypeAlias = Redis
"""The client type the application passes around (``redis.asyncio.Redis``, bytes replies)."""

DEFAULT_CLIENT_NAME = "mantimon"
RETRY_BACKOFF_BASE_SECONDS = 0.05
"""First retry waits up to this long; each further retry doubles the ceiling."""
RETRY_BACKOFF_CAP_SECONDS = 1.0
"""No single retry waits longer than this, however many attempts are configured."""


class RedisNotInitializedError(MantimonError):
    """`get_redis` was used before `init_redis` (or after `close_redis`)."""


class RedisPayloadError(MantimonError):
    """A value stored under a key is not the JSON the caller expected; names the key."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        super().__init__(f"Redis key {key!r} does not hold valid JSON: {reason}")


class RedisPoolExhaustedError(MaxConnectionsError):
    """No pooled connection became free within ``REDIS_POOL_TIMEOUT``: the process is busy.

    Every connection was in use the whole time, so this says nothing about the
    server being reachable; the message names the pool and both settings.
    """

    def __init__(self, timeout: float, max_connections: int) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        super().__init__(
            f"Redis connection pool exhausted: no free connection within "
            f"REDIS_POOL_TIMEOUT={timeout:g}s (REDIS_MAX_CONNECTIONS={max_connections})",
        )


class WaitingConnectionPool(ConnectionPool):
    """A pool whose callers queue for a connection in arrival order, and say why they give up.

    At most ``max_connections`` connections are in use; a caller that finds
    them all busy waits (a `FairGate`) up to ``timeout`` seconds, then gets
    `RedisPoolExhaustedError`. Connecting happens after the wait, so a server
    that cannot be reached still fails with ``ConnectionError`` or ``TimeoutError``.
    """

    def __init__(self, *, timeout: float, max_connections: int, **connection_kwargs: Any) -> None:
        super().__init__(max_connections=max_connections, **connection_kwargs)
        self.timeout = timeout
        self._slots = FairGate(max_connections)

    async def get_connection(self, *_args: Any, **_options: Any) -> AbstractConnection:
        """A connected connection, after waiting up to ``timeout`` seconds for one to be free.

        Raises:
            RedisPoolExhaustedError: every connection stayed in use for ``timeout`` seconds.
            redis.exceptions.ConnectionError, redis.exceptions.TimeoutError: connecting failed.
        """
        if not await self._slots.acquire(self.timeout):
            raise RedisPoolExhaustedError(self.timeout, self.max_connections)
        try:
            async with self._lock:
                connection: AbstractConnection = self.get_available_connection()  # type: ignore[no-untyped-call]
        except BaseException:
            self._slots.release()
            raise
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def release(self, connection: AbstractConnection) -> None:
        """Return `connection` to the pool and its slot to the next waiter."""
        try:
            await super().release(connection)
        finally:
            self._slots.release()


def prefixed(prefix: str, *parts: str) -> str:
    """Join `parts` with ``:`` after `prefix` (``prefixed("mantimon:", "game", id)``)."""
    return prefix + ":".join(parts)


def build_redis(
    settings: Settings,
    redis_url: str | None = None,
    *,
    client_name: str = DEFAULT_CLIENT_NAME,
) -> RedisClient:
    """Create a client with its own pool, configured from `settings`; it connects lazily.

    `redis_url` overrides ``settings.redis_url`` (an embedded server in
    development, a test server). Replies are bytes (``decode_responses`` off), so
    large JSON payloads are handed to the parser without an extra decode. The
    pool holds at most ``redis_max_connections``; a command that finds them all
    busy waits up to ``redis_pool_timeout`` seconds (`WaitingConnectionPool`).

    Raises:
        SettingsError: no Redis URL is configured, or the URL cannot be used.
    """
    url = redis_url or settings.redis_url
    if url is None:
        raise SettingsError("REDIS_URL: not set and no Redis URL was given")
    retry = Retry(
        ExponentialWithJitterBackoff(
            cap=RETRY_BACKOFF_CAP_SECONDS,
            base=RETRY_BACKOFF_BASE_SECONDS,
        ),
        settings.redis_retry_attempts,
        supported_errors=(RedisConnectionError, RedisTimeoutError),
    )
    try:
        pool = WaitingConnectionPool.from_url(
            url,
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_pool_timeout,
            socket_timeout=settings.redis_socket_timeout,
            socket_connect_timeout=settings.redis_connect_timeout,
            health_check_interval=settings.redis_health_check_interval,
            retry=retry,
            client_name=client_name,
            decode_responses=False,
        )
    except ValueError as exc:
        raise SettingsError(f"REDIS_URL: cannot use {hide_password(url)!r}: {exc}") from None
    return Redis.from_pool(pool)


@asynccontextmanager
async def open_redis(
    settings: Settings,
    redis_url: str | None = None,
    *,
    client_name: str = DEFAULT_CLIENT_NAME,
) -> AsyncIterator[RedisClient]:
    """A client of its own for one block (a CLI command, a benchmark), closed on exit."""
    client = build_redis(settings, redis_url, client_name=client_name)
    try:
        yield client
    finally:
        await client.aclose()


_client: RedisClient | None = None


def init_redis(settings: Settings, redis_url: str | None = None) -> RedisClient:
    """Create the process-wide client once; later calls return the same client."""
    global _client
    if _client is None:
        _client = build_redis(settings, redis_url)
    return _client


async def close_redis() -> None:
    """Close the process-wide pool; safe to call when nothing was initialised."""
    global _client
    if _client is not None:
        client, _client = _client, None
        await client.aclose()


@asynccontextmanager
async def get_redis() -> AsyncIterator[RedisClient]:
    """The process-wide client, for one block of work.

    The pool outlives the block (connections go back to it after each
    command), so this is cheap to enter per request.

    Raises:
        RedisNotInitializedError: `init_redis` has not been called.
    """
    if _client is None:
        raise RedisNotInitializedError("Redis is not initialised: call init_redis() first")
    yield _client


def _to_json(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


async def get_json(client: RedisClient, key: str) -> Any:
    """The JSON value stored under `key`, or ``None`` if the key does not exist.

    Raises:
        RedisPayloadError: the key holds something that is not JSON.
        redis.exceptions.RedisError: the server is unreachable or refused the command.
    """
    raw: bytes | str | None = await client.get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RedisPayloadError(key, str(exc)) from None


async def set_json(
    client: RedisClient,
    key: str,
    value: Any,
    *,
    ttl_seconds: int | None = None,
) -> None:
    """Store `value` (JSON-able data or a pydantic model) as JSON under `key`.

    With `ttl_seconds`, the key expires that long after this write.

    Raises:
        TypeError, ValueError: `value` cannot be serialized to strict JSON (NaN included).
        redis.exceptions.RedisError: the server is unreachable or refused the command.
    """
    await client.set(key, _to_json(value), ex=ttl_seconds)


async def delete(client: RedisClient, *keys: str) -> int:
    """Delete `keys` and return how many existed; deleting a missing key is not an error."""
    if not keys:
        return 0
    deleted: int = await client.delete(*keys)
    return deleted
