"""Where the service's PostgreSQL and Redis come from: configured servers or embedded ones.

In dev (and test) with ``DATABASE_URL`` or ``REDIS_URL`` unset, a real
PostgreSQL and a real Redis are started from pip-installed packages, with their
data under ``DATA_DIR`` (``.mantimon/`` by default) so games survive a restart.
Staging and prod never start embedded servers: `Settings` already refuses to
load there without both URLs. With both URLs set, nothing embedded starts.
Embedded servers are shared by every process using the same ``DATA_DIR``
(`app.db.embedded_servers`): a command run beside ``mantimon serve`` uses the
service's servers, and stops none that another process still uses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings, SettingsError, hide_password
from app.db.embedded_servers import ServerRegistry
from app.db.redis import RedisClient, build_redis, describe_redis
from app.db.session import build_engine, build_sessionmaker
from app.errors import MantimonError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """The servers this process talks to, and which of them are embedded.

    `redis_url` is None for a process that asked for PostgreSQL only, and under
    Sentinel (``REDIS_SENTINELS``: the client asks the sentinels); `redis_where`
    says where Redis is either way (masked), or is None without Redis.
    `joined` names the embedded servers that were already running (another
    process's, or left running) rather than started for this process.
    """

    database_url: str
    redis_url: str | None
    embedded: tuple[str, ...] = field(default=())
    joined: tuple[str, ...] = field(default=())
    redis_where: str | None = None

    @property
    def is_embedded(self) -> bool:
        """Whether any server is an embedded one (started here or joined)."""
        return bool(self.embedded)

    def _origin(self, name: str) -> str:
        if name not in self.embedded:
            return "configured"
        return "embedded, already running" if name in self.joined else "embedded"

    def describe(self) -> list[str]:
        """One line per server in use, saying where it is; passwords are masked."""
        lines = [f"PostgreSQL ({self._origin('postgres')}): {hide_password(self.database_url)}"]
        if self.redis_where is not None:
            lines.append(f"Redis ({self._origin('redis')}): {self.redis_where}")
        return lines


@contextmanager
def infrastructure(settings: Settings, *, redis: bool = True) -> Iterator[Infrastructure]:
    """Yield the servers to use, embedded ones for unset URLs; with `redis` false, PostgreSQL only.

    An embedded server already running for ``DATA_DIR`` is used, not doubled;
    on exit this process leaves it, which stops it only if no other live
    process uses it.

    Raises:
        SettingsError: a URL is unset outside dev and test.
        EmbeddedServerError: an embedded server could not start (the message names its folder).
    """
    if settings.environment.is_deployed and (
        not settings.database_url or not settings.redis_configured
    ):
        raise SettingsError(
            f"DATABASE_URL and REDIS_URL must be set in {settings.environment.value}: "
            "embedded servers are for development only",
        )
    registry = ServerRegistry(settings.data_dir)
    embedded: list[str] = []
    joined: list[str] = []
    with ExitStack() as stack:
        database_url = settings.database_url
        if database_url is None:
            lease = stack.enter_context(registry.use("postgres"))
            database_url = lease.url
            embedded.append("postgres")
            if lease.joined:
                joined.append("postgres")
        redis_url = settings.redis_url if redis else None
        if redis and not settings.redis_configured:
            lease = stack.enter_context(registry.use("redis"))
            redis_url = lease.url
            embedded.append("redis")
            if lease.joined:
                joined.append("redis")
        where = describe_redis(settings, redis_url) if redis else None
        yield Infrastructure(database_url, redis_url, tuple(embedded), tuple(joined), where)


class StoreUnavailableError(MantimonError):
    """A configured or embedded server does not answer; the message names it and its URL."""


async def check_postgres(engine: AsyncEngine) -> None:
    """Open one connection, so an unreachable database fails now with a clear message.

    Raises:
        StoreUnavailableError: the server refused, timed out or rejected the login.
    """
    url = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreUnavailableError(f"cannot reach PostgreSQL at {url}: {reason}") from exc


async def check_redis(redis: RedisClient, where: str) -> None:
    """PING Redis (`where`, masked), so an unreachable server fails now with a clear message.

    Raises:
        StoreUnavailableError: the server refused or timed out.
    """
    try:
        await redis.ping()
    except (OSError, RedisError) as exc:
        raise StoreUnavailableError(f"cannot reach Redis at {where}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Database:
    """Open clients for PostgreSQL alone, for a command that needs nothing else."""

    infrastructure: Infrastructure
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_database(settings: Settings, *, check: bool = True) -> AsyncIterator[Database]:
    """Find or start PostgreSQL only (no Redis starts), open an engine, close it all on exit.

    Raises:
        StoreUnavailableError: with `check`, the server does not answer.
    """
    with ExitStack() as stack:
        infra = await asyncio.to_thread(stack.enter_context, infrastructure(settings, redis=False))
        engine = build_engine(settings, infra.database_url)
        try:
            if check:
                await check_postgres(engine)
            yield Database(infra, engine, build_sessionmaker(engine))
        finally:
            await engine.dispose()


@dataclass(frozen=True, slots=True)
class Stores:
    """Open clients for both stores, for one command or one process lifetime."""

    infrastructure: Infrastructure
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: RedisClient


@asynccontextmanager
async def open_stores(
    settings: Settings, *, client_name: str = "mantimon", check: bool = True
) -> AsyncIterator[Stores]:
    """Find or start the servers, open an engine and a Redis pool, and close all of it on exit.

    Embedded servers start in a worker thread, since starting them blocks. With
    `check`, both servers are contacted before this yields.

    Raises:
        StoreUnavailableError: with `check`, a server does not answer.
    """
    with ExitStack() as stack:
        infra = await asyncio.to_thread(stack.enter_context, infrastructure(settings))
        redis_url = infra.redis_url
        engine = build_engine(settings, infra.database_url)
        try:
            redis = build_redis(settings, redis_url, client_name=client_name)
            try:
                if check:
                    await check_postgres(engine)
                    await check_redis(redis, describe_redis(settings, redis_url))
                yield Stores(infra, engine, build_sessionmaker(engine), redis)
            finally:
                await redis.aclose()
        finally:
            await engine.dispose()
