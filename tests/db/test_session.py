"""The engine, the unit-of-work helpers and the process-wide session handle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Environment, Settings, SettingsError
from app.db import session as db
from app.db.models import User
from tests.db.factories import new_user


@pytest.fixture
async def process_db(database_url: str) -> AsyncIterator[db.Database]:
    settings = Settings(environment=Environment.TEST, database_url=database_url, db_pool_size=2)
    database = db.init_db(settings)
    try:
        yield database
    finally:
        await db.dispose_db()


async def _exists(sessionmaker: async_sessionmaker[AsyncSession], user: User) -> bool:
    async with sessionmaker() as session:
        return (await session.get(User, user.id)) is not None


async def _remove(sessionmaker: async_sessionmaker[AsyncSession], user: User) -> None:
    async with sessionmaker() as session:
        await session.execute(delete(User).where(User.id == user.id))
        await session.commit()


def test_engine_uses_pool_settings_from_config(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        db_pool_size=3,
        db_max_overflow=4,
        db_pool_pre_ping=False,
        db_pool_timeout=2.5,
    )
    engine = db.build_engine(settings)
    try:
        assert isinstance(engine.pool, db.SettingsQueuePool)
        assert engine.pool.size() == 3
        assert engine.pool._max_overflow == 4
        assert engine.pool._timeout == 2.5
        assert engine.pool._pre_ping is False
        assert engine.url.drivername == "postgresql+asyncpg"
    finally:
        engine.sync_engine.dispose()


async def test_a_pool_that_stays_full_names_the_pool_and_the_settings(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.1
    )
    engine = db.build_engine(settings)
    try:
        async with engine.connect() as held:
            with pytest.raises(db.DatabasePoolExhaustedError) as waited:
                async with engine.connect():
                    pass
            assert (await held.execute(select(1))).scalar() == 1
        await engine.dispose()  # a fresh pool of the same class, still naming the settings
        assert isinstance(engine.pool, db.SettingsQueuePool)
        async with engine.connect():
            with pytest.raises(db.DatabasePoolExhaustedError) as again:
                async with engine.connect():
                    pass
    finally:
        await engine.dispose()
    assert str(again.value) == str(waited.value)
    assert str(waited.value) == (
        "PostgreSQL connection pool exhausted: no free connection within "
        "DB_POOL_TIMEOUT=0.1s (DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0)"
    )
    assert isinstance(waited.value, PoolTimeoutError)


async def test_a_freed_connection_goes_to_the_longest_waiter(database_url: str) -> None:
    """A caller that checks a connection in and out again queues behind those waiting.

    SQLAlchemy's own queue pool lets it take the connection straight back: the
    waiter was served only after the other caller's 20 checkouts.
    """
    settings = Settings(
        database_url=database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=5
    )
    engine = db.build_engine(settings)
    served: list[str] = []

    async def busy() -> None:
        for _ in range(20):
            connection = await engine.connect()
            await connection.execute(select(1))
            await connection.close()
            served.append("busy")

    async def waiter() -> None:
        await asyncio.sleep(0)  # `busy` holds the only connection by now
        async with engine.connect() as connection:
            await connection.execute(select(1))
        served.append("waiter")

    try:
        await asyncio.gather(busy(), waiter())
    finally:
        await engine.dispose()
    assert served.index("waiter") == 1, served


def test_engine_without_a_url_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        db.build_engine(Settings(database_url=None))


async def test_session_scope_commits_on_success(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = new_user()
    async with db.session_scope(sessionmaker) as session:
        session.add(user)
    try:
        assert await _exists(sessionmaker, user)
    finally:
        await _remove(sessionmaker, user)


async def test_session_scope_rolls_back_on_error(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = new_user()

    class Boom(Exception):
        pass

    async def failing_unit_of_work() -> None:
        async with db.session_scope(sessionmaker) as session:
            session.add(user)
            await session.flush()
            raise Boom

    with pytest.raises(Boom):
        await failing_unit_of_work()
    assert not await _exists(sessionmaker, user)


async def test_get_session_before_init_is_a_clear_error() -> None:
    await db.dispose_db()
    with pytest.raises(db.DatabaseNotInitializedError, match="init_db"):
        async with db.get_session():
            pass


async def test_process_wide_session_and_dependency(process_db: db.Database) -> None:
    assert db.get_database() is process_db
    assert db.init_db(Settings(database_url="postgresql://ignored/x")) is process_db

    user = new_user()
    async with db.get_session() as session:
        session.add(user)

    dependency = db.session_dependency()
    session = await anext(dependency)
    try:
        found = await session.execute(select(User.email).where(User.id == user.id))
        assert found.scalar_one() == user.email
        await session.execute(delete(User).where(User.id == user.id))
    finally:
        with pytest.raises(StopAsyncIteration):
            await anext(dependency)
    assert not await _exists(process_db.sessionmaker, user)


async def test_dispose_closes_the_pool(process_db: db.Database) -> None:
    engine: AsyncEngine = process_db.engine
    async with db.get_session() as session:
        await session.execute(select(1))
    await db.dispose_db()
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with pytest.raises(db.DatabaseNotInitializedError):
        db.get_database()
    await db.dispose_db()  # a second dispose is harmless
