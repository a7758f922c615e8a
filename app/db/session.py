"""The async engine, the session factory, and the unit-of-work helpers built on them.

Nothing here connects at import time: `init_db` is called by whoever owns the
process lifetime (the FastAPI lifespan, a CLI command, a test fixture), and
`dispose_db` closes the pool again.

More concurrent units of work than ``DB_POOL_SIZE + DB_MAX_OVERFLOW`` queue for
a connection (first come, first served), up to ``DB_POOL_TIMEOUT`` seconds; only
then does a checkout fail, with `DatabasePoolExhaustedError` (a SQLAlchemy pool
``TimeoutError``) naming the settings involved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_

from app.config import Settings, SettingsError
from app.db.fair_gate import FairGate
from app.errors import MantimonError


class DatabaseNotInitializedError(MantimonError):
    """`get_session` was used before `init_db` (or after `dispose_db`)."""


class DatabasePoolExhaustedError(PoolTimeoutError):
    """No pooled connection became free within ``DB_POOL_TIMEOUT``: the process is busy.

    Every connection stayed checked out the whole time, so this says nothing
    about PostgreSQL being reachable; the message names the pool and the settings.
    """

    def __init__(self, timeout: float, pool_size: int, max_overflow: int) -> None:
        self.timeout = timeout
        self.pool_size = pool_size
        self.max_overflow = max_overflow
        super().__init__(
            f"PostgreSQL connection pool exhausted: no free connection within "
            f"DB_POOL_TIMEOUT={timeout:g}s (DB_POOL_SIZE={pool_size}, "
            f"DB_MAX_OVERFLOW={max_overflow})",
        )


class SettingsQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio queue pool behind a `FairGate`; its timeout names the settings.

    At most ``pool_size + max_overflow`` connections are checked out at once; a
    checkout that finds them all out waits, in arrival order, up to the pool
    timeout, then raises `DatabasePoolExhaustedError`. Past the gate the queue
    pool always holds an idle connection or has room for an overflow one, so it
    never waits (nor lets a later caller overtake) itself.
    """

    def __init__(
        self,
        creator: Any,
        pool_size: int = 5,
        max_overflow: int = 10,
        timeout: float = 30.0,
        **kw: Any,
    ) -> None:
        super().__init__(
            creator, pool_size=pool_size, max_overflow=max_overflow, timeout=timeout, **kw
        )
        self._gate = FairGate(pool_size + max_overflow) if max_overflow >= 0 else None

    def _do_get(self) -> ConnectionPoolEntry:
        gate = self._gate
        # Runs in SQLAlchemy's greenlet bridge: await_ suspends this checkout only.
        if gate is not None and not gate.try_acquire() and not await_(gate.acquire(self._timeout)):
            raise DatabasePoolExhaustedError(self._timeout, self.size(), self._max_overflow)
        try:
            return super()._do_get()
        except BaseException:
            if gate is not None:
                gate.release()
            raise

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            if self._gate is not None:
                self._gate.release()


def statement_cache_args(size: int) -> dict[str, Any]:
    """Asyncpg's connect arguments for a statement cache of `size` (``DB_STATEMENT_CACHE_SIZE``).

    With 0 (PgBouncer in transaction pooling), neither asyncpg nor SQLAlchemy's
    adapter keeps prepared statements, and every statement SQLAlchemy prepares
    gets a name used once: consecutive transactions of one client connection may
    run on different server connections, where a reused name would be missing
    or already taken (``prepared statement "__asyncpg_stmt_1__" does not exist``).
    A statement is prepared and run inside one transaction, so on one server
    connection.
    """
    if size > 0:
        return {"statement_cache_size": size, "prepared_statement_cache_size": size}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _one_time_statement_name,
    }


def _one_time_statement_name() -> str:
    return f"__mantimon_{uuid4().hex}__"


def build_engine(settings: Settings, database_url: str | None = None) -> AsyncEngine:
    """Create an asyncpg engine with the pool settings from `settings` (`SettingsQueuePool`).

    ``DB_STATEMENT_CACHE_SIZE`` sizes asyncpg's prepared-statement cache (see
    `statement_cache_args`; 0 behind PgBouncer's transaction pooling).

    `database_url` overrides `settings.database_url` (the embedded server in
    development, a per-run database in tests).

    Raises:
        SettingsError: no database URL is configured.
    """
    url = database_url or settings.database_url
    if url is None:
        raise SettingsError("DATABASE_URL: not set and no database URL was given")
    return create_async_engine(
        url,
        connect_args=statement_cache_args(settings.db_statement_cache_size),
        poolclass=SettingsQueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        echo=settings.db_echo,
    )


def build_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit, so async code never lazy-loads them."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit if the block succeeds, roll back if it raises, always close."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@dataclass(frozen=True, slots=True)
class Database:
    """The engine and session factory of one process, created and disposed together."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


_database: Database | None = None


def init_db(settings: Settings, database_url: str | None = None) -> Database:
    """Create the process-wide engine once; later calls return the same handle."""
    global _database
    if _database is None:
        engine = build_engine(settings, database_url)
        _database = Database(engine=engine, sessionmaker=build_sessionmaker(engine))
    return _database


def get_database() -> Database:
    """Return the process-wide database handle.

    Raises:
        DatabaseNotInitializedError: `init_db` has not been called.
    """
    if _database is None:
        raise DatabaseNotInitializedError("the database is not initialised: call init_db() first")
    return _database


async def dispose_db() -> None:
    """Close every pooled connection; safe to call when nothing was initialised."""
    global _database
    if _database is not None:
        database, _database = _database, None
        await database.engine.dispose()


@asynccontextmanager
async def get_session() -> AsyncIterator[AsyncSession]:
    """A session on the process-wide engine that commits on success and rolls back on error."""
    async with session_scope(get_database().sessionmaker) as session:
        yield session


async def session_dependency() -> AsyncIterator[AsyncSession]:
    """`get_session` as an async generator, for `Depends(session_dependency)` in FastAPI routes."""
    async with get_session() as session:
        yield session
