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
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeAlias, cast

from pydantic import BaseModel, SecretStr
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError, RedisClusterException
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


class _FairWaiting(ConnectionPool):
    """What `WaitingConnectionPool` and `WaitingSentinelPool` add to redis-py's pools."""

    def __init__(self, *args: Any, timeout: float, max_connections: int, **kwargs: Any) -> None:
        kwargs["max_connections"] = max_connections
        super().__init__(*args, **kwargs)
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


class WaitingConnectionPool(_FairWaiting):
    """A pool whose callers queue for a connection in arrival order, and say why they give up.

    At most ``max_connections`` connections are in use; a caller that finds
    them all busy waits (a `FairGate`) up to ``timeout`` seconds, then gets
    `RedisPoolExhaustedError`. Connecting happens after the wait, so a server
    that cannot be reached still fails with ``ConnectionError`` or ``TimeoutError``.
    """


class WaitingSentinelPool(_FairWaiting, SentinelConnectionPool):
    """`WaitingConnectionPool`'s queueing on redis-py's Sentinel pool, which finds the primary.

    Each new connection asks the sentinels where the primary is, and a pool that
    finds it moved closes its idle connections; a connection still open to a
    primary that was demoted gets ``READONLY`` for its next write, which redis-py
    turns into a ``ConnectionError`` after closing it. Either way the command is
    retried (``REDIS_RETRY_ATTEMPTS``) on a new connection to the new primary,
    and while the sentinels have not promoted anyone yet it fails with
    ``ConnectionError`` (``MasterNotFoundError`` or a refused connection): the
    store treats that as Redis being down until it answers again.

    A planned switch (``SENTINEL FAILOVER``) leaves the old primary up and
    writable until the sentinels reconfigure it, which can take seconds; a pool
    that only asked the sentinels when it opened a connection would keep writing
    there, and those writes are lost when it resynchronises. So at most every
    `check_interval` seconds (``REDIS_SENTINEL_CHECK_INTERVAL``) a checkout asks
    the sentinels first, and a moved primary closes the idle connections then.

    Connections that were in use at that moment come back to the pool later,
    still open to the old primary: redis-py's asyncio pool, unlike its
    synchronous one, checks on neither release nor checkout where a connection
    leads (its ``owns_connection`` is never called). Left alone, such a
    connection kept writing to the old primary for the seconds it stayed
    writable, and those writes vanished with its resynchronisation. So every
    checkout closes a connection open to any address but the primary the
    sentinels last named and reconnects it there: once the pool has heard of
    the switch, no command goes to the old primary.
    """

    def __init__(self, *args: Any, check_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_interval = check_interval
        self._next_check = 0.0

    async def get_connection(self, *args: Any, **options: Any) -> AbstractConnection:
        """See `WaitingConnectionPool.get_connection`; first asks where the primary is, if due."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_interval
            with suppress(RedisConnectionError, RedisTimeoutError):
                await self.get_master_address()  # type: ignore[no-untyped-call]
        return await super().get_connection(*args, **options)

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        """Connect `connection` to the current primary, closing it first if it is open elsewhere."""
        if connection.is_connected and self.master_address != (
            getattr(connection, "host", None),
            getattr(connection, "port", None),
        ):
            await connection.disconnect()
        await super().ensure_connection(connection)


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
    development, a test server). With ``REDIS_SENTINELS`` set (and no
    `redis_url`), the client finds the primary through the sentinels and
    follows a failover without a restart (`WaitingSentinelPool`). Replies are
    bytes (``decode_responses`` off), so large JSON payloads are handed to the
    parser without an extra decode. The pool holds at most
    ``redis_max_connections``; a command that finds them all busy waits up to
    ``redis_pool_timeout`` seconds.

    Raises:
        SettingsError: no Redis URL or sentinels are configured, or the URL cannot be used.
    """
    retry = Retry(
        ExponentialWithJitterBackoff(
            cap=RETRY_BACKOFF_CAP_SECONDS,
            base=RETRY_BACKOFF_BASE_SECONDS,
        ),
        settings.redis_retry_attempts,
        supported_errors=(RedisConnectionError, RedisTimeoutError),
    )
    common: dict[str, Any] = {
        "max_connections": settings.redis_max_connections,
        "timeout": settings.redis_pool_timeout,
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_connect_timeout,
        "health_check_interval": settings.redis_health_check_interval,
        "retry": retry,
        "client_name": client_name,
        "decode_responses": False,
    }
    url = redis_url or settings.redis_url
    if url is None and settings.redis_sentinels is not None:
        return Redis.from_pool(_sentinel_pool(settings, common))
    if url is None:
        raise SettingsError("REDIS_URL: not set and no Redis URL was given")
    if settings.redis_cluster:
        return _cluster_client(url, common)
    try:
        pool = WaitingConnectionPool.from_url(url, **common)
    except ValueError as exc:
        raise SettingsError(f"REDIS_URL: cannot use {hide_password(url)!r}: {exc}") from None
    return Redis.from_pool(pool)


def is_cluster(client: RedisClient) -> bool:
    """Whether `client` is a Redis Cluster client (`build_redis` with ``REDIS_CLUSTER``)."""
    return isinstance(client, RedisCluster)


class _Cluster(RedisCluster):
    """redis-py's Cluster client, failing as a connection error when no node answers.

    redis-py raises its own ``RedisClusterException`` (not a ``RedisError``) when
    it cannot reach any node to learn the slots; callers that tell an outage
    from a bug by ``RedisError`` (the store) need ``ConnectionError``.
    """

    async def initialize(self, *args: Any, **kwargs: Any) -> RedisCluster:
        """See ``RedisCluster.initialize``; no node answering is a ``ConnectionError``."""
        try:
            return await super().initialize(*args, **kwargs)
        except RedisClusterException as exc:
            raise RedisConnectionError(str(exc)) from exc

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        """See ``RedisCluster.execute_command``; a connection closed under it: ``ConnectionError``.

        While a failed primary is replaced, redis-py can write on a connection
        another task has just closed (``'NoneType' object has no attribute
        'writelines'``): that is the node going away, not a bug of the caller.
        """
        try:
            return await super().execute_command(*args, **kwargs)
        except AttributeError as exc:
            if "'NoneType' object has no attribute" not in str(exc):
                raise
            raise RedisConnectionError(f"connection closed during {args[0]!r}: {exc}") from exc


def _cluster_client(url: str, common: dict[str, Any]) -> RedisClient:
    """A Redis Cluster client that discovers every node from `url` (any one of them).

    It follows ``MOVED`` and ``ASK`` redirections (a resharding) and reloads the
    slot map after a connection error (a failover), retrying a command up to
    ``REDIS_RETRY_ATTEMPTS`` times. Each node has its own pool of at most
    ``REDIS_MAX_CONNECTIONS``; unlike the single-server pool, a command that
    finds a node's pool full fails at once (``MaxConnectionsError``: the store
    reports it as busy) rather than queueing for ``REDIS_POOL_TIMEOUT``.

    Typed as `RedisClient`: the commands the application sends exist on both
    clients, and the store checks `is_cluster` where their behaviour differs
    (which keys one script or transaction may touch).
    """
    options = {k: v for k, v in common.items() if k not in ("timeout", "health_check_interval")}
    try:
        cluster = _Cluster.from_url(url, **options)
    except ValueError as exc:
        raise SettingsError(f"REDIS_URL: cannot use {hide_password(url)!r}: {exc}") from None
    return cast(RedisClient, cluster)


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _sentinel_pool(settings: Settings, common: dict[str, Any]) -> WaitingSentinelPool:
    """The primary's pool, found through ``REDIS_SENTINELS`` under ``REDIS_SENTINEL_MASTER``.

    The sentinels are asked with the connect timeout for both connecting and
    answering, so a dead sentinel costs at most that before the next is asked.
    """
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        settings.redis_sentinel_addresses,
        sentinel_kwargs={
            "password": _secret(settings.redis_sentinel_password),
            "socket_timeout": settings.redis_connect_timeout,
            "socket_connect_timeout": settings.redis_connect_timeout,
            "client_name": f"{common['client_name']}-sentinel",
        },
    )
    assert settings.redis_sentinel_master is not None  # checked by Settings
    return WaitingSentinelPool(
        settings.redis_sentinel_master,
        sentinel,
        password=_secret(settings.redis_password),
        db=settings.redis_db,
        check_interval=settings.redis_sentinel_check_interval,
        **common,
    )


def describe_redis(settings: Settings, redis_url: str | None = None) -> str:
    """Where the client of `build_redis` goes, for logs and errors; passwords are masked."""
    url = redis_url or settings.redis_url
    if url is None and settings.redis_sentinels is not None:
        return f"sentinel://{settings.redis_sentinels}/{settings.redis_sentinel_master}"
    return hide_password(url) if url is not None else "<no Redis configured>"


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
